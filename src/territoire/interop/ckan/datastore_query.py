"""CKAN DataStore parameters as a records query, and the names CKAN clients see.

Every DataStore resource in CKAN has ``_id``: an ``int`` field, first in ``fields``, present in
every record, accepted by ``sort``, ``filters`` and ``q``. Here ``_id`` is the record id the
records engine gives every row: the 1-based row number of the version (``Served.id_column``).
When the data has a column of its own named ``_id`` (the engine then names the row number
``_record_id``), the two names are swapped for CKAN clients: ``_id`` stays the row number, the
data's own column is shown under the engine's name for the row number.

CKAN parameters become a query built in code (``odsql.build``), which the engine checks against
the columns and binds: ``filters`` are refines (several values of one field are ORed, fields
are ANDed, as in CKAN), ``q`` is a full-text search (a string: every text column; an object:
per column), ``fields`` a select, ``sort`` an order_by, ``distinct`` a group by the fields.
User values are never pasted into SQL nor into query text.
"""

from __future__ import annotations

from dataclasses import dataclass

from territoire.records.columns import Column
from territoire.records.odsql import RecordQuery, Schema
from territoire.records.odsql import build as q
from territoire.records.odsql.refine import Refinement
from territoire.records.selectors.served import Served

from .errors import ValidationError
from .params import as_dict, as_list, as_str

ID = "_id"

# CKAN's field types (PostgreSQL's names, as the DataStore reports them) for the engine's types.
TYPES = {
    "integer": "int",
    "decimal": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "geo_point": "json",
    "geometry": "json",
    "text": "text",
}


@dataclass(frozen=True)
class Names:
    """CKAN names and engine names of a version's columns (the id first, then the data)."""

    columns: tuple[Column, ...]  # engine columns, the id first
    to_engine: dict[str, str]
    to_ckan: dict[str, str]

    @classmethod
    def of(cls, served: Served) -> Names:
        to_engine = {}
        for column in served.columns:
            if column.id == served.id_column:
                name = ID
            elif column.id == ID:
                name = served.id_column  # the data's own _id, under the row number's other name
            else:
                name = column.id
            to_engine[name] = column.id
        return cls(served.columns, to_engine, {v: k for k, v in to_engine.items()})

    @property
    def ckan_ids(self) -> list[str]:
        return [self.to_ckan[c.id] for c in self.columns]

    def fields(self, engine_ids: list[str] | None = None) -> list[dict]:
        """CKAN's ``fields``: id and type, in the order given (default: every field, ``_id``
        first, then the columns in the file's order)."""
        by_id = {c.id: c for c in self.columns}
        wanted = engine_ids if engine_ids is not None else [c.id for c in self.columns]
        return [{"id": self.to_ckan[i], "type": TYPES.get(by_id[i].type, "text")} for i in wanted]

    def engine(self, parameter: str, name) -> str:
        """The engine's column for a CKAN field name; a Validation Error naming the parameter
        when there is none."""
        text = str(name).strip().strip('"')
        found = self.to_engine.get(text)
        if found is None:
            column = Schema(self.columns[1:]).find(text)  # a column's label, as elsewhere
            found = column.id if column is not None and column.id != ID else None
        if found is None:
            known = ", ".join(self.ckan_ids[:30])
            raise ValidationError(
                f"Le champ « {text} » n'existe pas ({parameter}). Champs : {known}.",
                f"Field '{text}' does not exist ({parameter}). Fields: {known}.",
                **{parameter: [f'field "{text}" not in table']},
            )
        return found


def _filters(data, names: Names) -> list[Refinement]:
    refine = []
    for name, value in as_dict(data, "filters").items():
        column = names.engine("filters", name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, dict | list):
                raise ValidationError(
                    f"Filtre « {name} » : donnez une valeur ou une liste de valeurs.",
                    f"Filter '{name}': give a value or a list of values.",
                    filters=["Invalid filter value"],
                )
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            refine.append(Refinement(column, text))
    return refine


def _searches(data, names: Names) -> list:
    where = []
    text = data.get("q")
    if isinstance(text, dict) or (isinstance(text, str) and text.strip().startswith("{")):
        for name, words in as_dict(data, "q").items():
            column = names.engine("q", name)
            if column == names.columns[0].id:
                # The row number is not text: a search for it is an equality, as CKAN's
                # full-text search of "_id" only matches that row.
                where.append(q.eq(q.field(column), _row_number(words)))
            else:
                where.append(q.search(str(words), q.field(column)))
    elif text not in (None, ""):
        where.append(q.search(as_str(data, "q")))
    return where


def _row_number(words) -> int:
    try:
        number = int(str(words).strip())
    except ValueError:
        raise ValidationError(
            f"q : « _id » est un numéro de ligne (« {words} » n'en est pas un).",
            f"q: '_id' is a row number ('{words}' is not one).",
            q=["Invalid integer"],
        ) from None
    if not 0 <= number < 2**63:
        raise ValidationError(
            "q : « _id » est un numéro de ligne, entre 1 et 2⁶³ − 1.",
            "q: '_id' is a row number, between 1 and 2^63 - 1.",
            q=["Invalid integer"],
        )
    return number


def _order(data, names: Names, *, filtered: bool) -> list:
    order = []
    for part in as_list(data, "sort"):
        words = part.strip().split()
        direction = "asc"
        if len(words) >= 2 and words[-1].lower() in ("asc", "desc"):
            direction = words[-1].lower()
            words = words[:-1]
        if not words:
            continue
        column = names.engine("sort", " ".join(words))
        order.append((column, direction == "desc"))
    # Unfiltered rows come in file order, which is _id order: "sort=_id" (what CKAN clients
    # page with) then needs no sort, and pages by offset straight from the row numbers.
    if not filtered and order == [(names.columns[0].id, False)]:
        return []
    return [q.order(q.field(column), descending=desc) for column, desc in order]


def query_of(
    data, served: Served, names: Names, *, distinct: bool
) -> tuple[RecordQuery, list[str]]:
    """The records query of a datastore_search and the engine ids of the fields it returns."""
    wanted = [names.engine("fields", f) for f in as_list(data, "fields")]
    fields = wanted or [c.id for c in names.columns]
    where, refine = _searches(data, names), _filters(data, names)
    query = RecordQuery(
        select=q.select(*(q.field(f) for f in fields)),
        where=where or None,
        order_by=_order(data, names, filtered=bool(where or refine)) or None,
        refine=refine,
    )
    if distinct and served.id_column not in fields:
        # Distinct rows of the fields: a group by all of them (with the row number among the
        # fields every row is distinct already, as in CKAN).
        query.group_by = [q.group(q.field(f)) for f in fields]
    return query, fields
