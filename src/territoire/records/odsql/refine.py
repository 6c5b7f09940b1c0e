"""refine=field:value and exclude=field:value, the facet filters of OpenDataSoft.

Semantics (see docs/odsql.md): refines on different fields are ANDed; several refines on the
same field are ORed (a record has one value per field, so AND would always be empty); every
exclude removes the records that match it (records with no value are kept). On a date field
the value is a period: "2024", "2024/03" (or "2024-03"), "2024/03/15".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..columns import GEO, NUMERIC, TEMPORAL, Column
from .errors import QueryError
from .literals import LiteralError, integer_out_of_range, parse_date
from .sqlgen import Emitter, quote
from .validate import Schema


@dataclass
class FacetFilter:
    column: Column
    raw: str  # the value as given (quotes removed)
    value: object  # typed value, or (start, end) for dates
    depth: int  # for dates: 1 year, 2 month, 3 day, 4+ finer; 0 otherwise
    excluded: bool

    @property
    def path(self) -> str:
        """The facet value this filter names (dates as YYYY/MM/DD, as in facet answers)."""
        if self.column.type in TEMPORAL:
            start = self.value[0]
            return "/".join(
                [f"{start.year:04d}", f"{start.month:02d}", f"{start.day:02d}"][
                    : min(self.depth, 3)
                ]
            )
        return self.raw


@dataclass(frozen=True)
class Refinement:
    """A refine (or exclude) built in code: a field and a value (no ``field:value`` text to
    split, no quotes to remove: a value may hold ``:`` or quotes)."""

    field: str
    value: str


def parse_filters(
    schema: Schema, refine: list[str | Refinement], exclude: list[str | Refinement]
) -> list[FacetFilter]:
    filters = []
    for clause, values in (("refine", refine), ("exclude", exclude)):
        for index, given in enumerate(values or []):
            if isinstance(given, Refinement):
                position = len(given.field) + 2  # where the value would be in "field:value"
                value = str(given.value).strip()
                one = _filter(schema, clause, index, given.field, value, position)
            else:
                one = _parse_one(schema, clause, index, given)
            filters.append(one)
    return filters


def _parse_one(schema: Schema, clause: str, index: int, text: str) -> FacetFilter:
    name, sep, raw = (text or "").partition(":")
    name = name.strip()
    if not sep or not name:
        raise QueryError(
            f"« {text} » : écrivez {clause}=champ:valeur, par exemple {clause}=commune:Paris",
            f"'{text}': write {clause}=field:value, for example {clause}=commune:Paris",
            clause=clause,
            position=1,
            index=index,
        )
    value_pos = len(text) - len(text.partition(":")[2]) + 1
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    return _filter(schema, clause, index, name, raw, value_pos)


def _filter(
    schema: Schema, clause: str, index: int, name: str, raw: str, value_pos: int
) -> FacetFilter:
    def fail(fr: str, en: str, position: int = 1) -> QueryError:
        return QueryError(fr, en, clause=clause, position=position, index=index)

    column = schema.find(name.strip("`"))
    if column is None:
        hint = schema.suggestion(name)
        raise fail(
            f"Le champ « {name} » n'existe pas dans ce jeu de données."
            + (f" Vouliez-vous dire « {hint} » ?" if hint else ""),
            f"Field '{name}' does not exist in this dataset."
            + (f" Did you mean '{hint}'?" if hint else ""),
        )
    ctype = column.type
    depth = 0
    try:
        if ctype in GEO:
            raise LiteralError(
                f"un champ de position ({column.id}) ne se filtre pas par valeur : utilisez where=within_distance(…) ou in_bbox(…)",
                f"a location field ({column.id}) cannot be filtered by value: use where=within_distance(…) or in_bbox(…)",
            )
        if ctype in NUMERIC:
            value = _number(raw, integer=ctype == "integer")
        elif ctype == "boolean":
            value = {
                "true": True,
                "1": True,
                "oui": True,
                "false": False,
                "0": False,
                "non": False,
            }.get(raw.lower())
            if value is None:
                raise LiteralError(
                    f"« {raw} » n'est pas true ou false", f"'{raw}' is not true or false"
                )
        elif ctype in TEMPORAL:
            start, end, precision = parse_date(raw)
            depth = ("year", "month", "day", "hour", "minute", "second", "microsecond").index(
                precision
            ) + 1
            value = (start, end)
        else:
            value = raw
    except LiteralError as exc:
        raise fail(f"{exc.message_fr}", f"{exc.message_en}", value_pos) from None
    return FacetFilter(column, raw, value, depth, clause == "exclude")


def _number(raw: str, *, integer: bool):
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        raise LiteralError(f"« {raw} » n'est pas un nombre", f"'{raw}' is not a number") from None
    value = int(number) if integer and number.is_integer() else number
    too_large = integer_out_of_range(value)
    if too_large is not None:
        raise too_large
    return value


def filter_sql(
    em: Emitter, filters: list[FacetFilter], *, skip_excludes_of: str | None = None
) -> str | None:
    """One SQL condition for all the filters, parameters appended to ``em``."""
    by_column: dict[str, list[FacetFilter]] = {}
    parts = []
    for f in filters:
        if not f.excluded:
            by_column.setdefault(f.column.id, []).append(f)
    for group in by_column.values():
        ors = [_one(em, f) for f in group]
        parts.append(ors[0] if len(ors) == 1 else "(" + " OR ".join(ors) + ")")
    for f in filters:
        if f.excluded:
            parts.append(f"(NOT coalesce({_one(em, f)}, false))")
    if not parts:
        return None
    return " AND ".join(parts)


def _one(em: Emitter, f: FacetFilter) -> str:
    column = quote(f.column.id)
    if f.column.type in TEMPORAL:
        start, end = f.value
        if f.column.type == "date" and start.tzinfo is None and f.depth <= 3:
            start, end = start.date(), end.date()
        elif f.column.type == "datetime" and start.tzinfo is None:
            start, end = start.replace(tzinfo=em.tz), end.replace(tzinfo=em.tz)
        return f"({column} >= {em.param(start)} AND {column} < {em.param(end)})"
    return f"({column} = {em.param(f.value)})"
