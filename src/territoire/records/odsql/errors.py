"""The one error the query module raises on purpose: a bad query, answered with a 400."""

from __future__ import annotations

from territoire.core.errors import TerritoireError

CLAUSE_NAMES_FR = {
    "select": "le paramètre select",
    "where": "le paramètre where",
    "group_by": "le paramètre group_by",
    "order_by": "le paramètre order_by",
    "limit": "le paramètre limit",
    "offset": "le paramètre offset",
    "refine": "le paramètre refine",
    "exclude": "le paramètre exclude",
    "facet": "le paramètre facet",
    "query": "la requête",
}


class QueryError(TerritoireError):
    """A query the engine refuses: says what is wrong, where (clause and column) and how to fix it.

    ``position`` is the 1-based column of the offending character inside the clause text
    (``None`` when the problem is the clause as a whole, e.g. a limit that is too high).
    ``index`` is the 0-based rank of the clause when it was given several times (several
    ``where`` or ``refine`` parameters).
    """

    code = "invalid_query"
    status = 400

    def __init__(
        self,
        message_fr: str,
        message_en: str,
        *,
        clause: str,
        position: int | None = None,
        index: int | None = None,
    ):
        self.clause = clause
        self.position = position
        self.index = index
        where_fr, where_en = _location(clause, position, index)
        super().__init__(
            f"{message_fr} ({where_fr})",
            f"{message_en} ({where_en})",
            where=f"{clause}"
            + (f"[{index}]" if index is not None else "")
            + (f":{position}" if position else ""),
        )

    def as_dict(self) -> dict:
        data = super().as_dict()
        data["clause"] = self.clause
        data["position"] = self.position
        if self.index is not None:
            data["index"] = self.index
        return data


def computation_error(exc: Exception) -> QueryError:
    """A valid query whose computation fails on the data (e.g. an integer overflow): a 400."""
    detail = str(exc).split("\n")[0]
    return QueryError(
        f"La requête ne peut pas être calculée sur ces données ({detail}) : "
        "simplifiez les calculs (par exemple, multipliez par 1.0 pour calculer en décimal)",
        f"The query cannot be computed on this data ({detail}): "
        "simplify the arithmetic (for example, multiply by 1.0 to compute in decimals)",
        clause="query",
    )


def _location(clause: str, position: int | None, index: int | None) -> tuple[str, str]:
    name_fr = CLAUSE_NAMES_FR.get(clause, f"le paramètre {clause}")
    rank_fr = f" n° {index + 1}" if index is not None else ""
    rank_en = f" #{index + 1}" if index is not None else ""
    if position:
        return (
            f"{name_fr}{rank_fr}, colonne {position}",
            f"parameter {clause}{rank_en}, column {position}",
        )
    if clause == "query":
        return name_fr, "the query"
    return f"{name_fr}{rank_fr}", f"parameter {clause}{rank_en}"
