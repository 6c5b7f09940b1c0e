"""Cursors of the native records API: opaque, signed, and as cheap on page 10,000 as on page 2.

A cursor carries the query it pages through (so a client only has to follow it), the version
it reads (a refresh of the dataset never shifts the pages of a reader half-way through) and the
position of the page's last row:

- **keyset** when the order is made of plain fields (or is the file order): the values of the
  order keys of the last row and its ``_id``. The next page is the query plus a condition
  "after this row", built as a syntax tree (``odsql.build``) and compiled like any other where
  clause (so no SQL is built here), which lets the engine skip what comes before instead of
  counting it;
- **offset** otherwise (aggregates, expressions, datetimes): the number of rows already given.

Cursors are signed with the site's SECRET_KEY (``django.core.signing``): a client cannot forge
one to read another version or another query, and a damaged cursor is a 400.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass, field

from django.core import signing

from .odsql import QueryError, ast
from .odsql import build as q

SALT = "territoire.records.cursor"
KEYSET_TYPES = frozenset({"integer", "decimal", "text", "boolean", "date"})
# A decimal value whose unscaled integer fits in a double's mantissa compares exactly through
# the double that ODSQL numbers are (no two values of the column's scale share its double).
EXACT_DOUBLE = 2**53


@dataclass
class Cursor:
    version: int  # version number (DatasetVersion.number)
    query: dict  # select, where (list), group_by, order_by, refine, exclude, lang
    seen: int = 0  # rows given before the next page
    after: list | None = None  # keyset: the last row's order keys (see ``key``)
    after_id: int | None = None  # keyset: _id of the last row
    offset: int | None = None  # offset mode: offset of the next page
    extra: dict = field(default_factory=dict)

    def encode(self) -> str:
        payload = {"v": self.version, "q": self.query, "s": self.seen}
        if self.after is not None:
            payload["k"], payload["i"] = self.after, self.after_id
        else:
            payload["o"] = self.offset
        return signing.dumps(payload, salt=SALT, compress=True)


def invalid() -> QueryError:
    return QueryError(
        "Ce curseur est invalide ou abîmé : reprenez la pagination depuis la première page "
        "(sans cursor) et suivez les next_cursor tels quels",
        "This cursor is invalid or damaged: start again from the first page (without cursor) "
        "and pass each next_cursor back unchanged",
        clause="cursor",
    )


def decode(text: str) -> Cursor:
    try:
        payload = signing.loads(text, salt=SALT)
        cursor = Cursor(
            version=int(payload["v"]),
            query=dict(payload["q"]),
            seen=int(payload.get("s", 0)),
            after=payload.get("k"),
            after_id=payload.get("i"),
            offset=payload.get("o"),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise invalid() from None
    if cursor.after is None and not isinstance(cursor.offset, int):
        raise QueryError(
            "Ce curseur est incomplet : reprenez depuis la première page",
            "This cursor is incomplete: start again from the first page",
            clause="cursor",
        )
    return cursor


NOT_EXACT = object()


def key(value, column_type: str):
    """A row's order key as the cursor keeps it (JSON: a decimal as its digits, a date in ISO
    form), or ``NOT_EXACT`` when it cannot be compared exactly (the cursor then falls back to
    an offset)."""
    if value is None:
        return None
    if column_type == "boolean":
        return bool(value)
    if column_type == "integer":
        return int(value)
    if column_type == "decimal":
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                return NOT_EXACT
            sign, digits, exponent = value.as_tuple()
            unscaled = int("".join(map(str, digits)) or "0")
            return format(value, "f") if unscaled < EXACT_DOUBLE else NOT_EXACT
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else NOT_EXACT
        if isinstance(value, int):
            return str(value) if abs(value) < EXACT_DOUBLE else NOT_EXACT
        return NOT_EXACT
    if column_type == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        return NOT_EXACT
    if column_type == "text":
        return str(value)
    return NOT_EXACT


def _literal(kept, column_type: str) -> ast.Node:
    if column_type == "decimal":
        return q.number(str(kept))
    if column_type == "date":
        return q.date(str(kept))
    return q.value(kept)


def after_condition(
    keys: list[tuple[str, bool]], types: list[str], kept: list, id_column: str, last_id: int
) -> ast.Node:
    """The condition "comes after this row" in the order ``keys`` then ``_id`` ascending.

    Nulls come last in both directions (DuckDB's default, which the compiled ORDER BY keeps).
    """
    condition: ast.Node = q.gt(q.field(id_column), int(last_id))
    for (column, descending), column_type, value in reversed(
        list(zip(keys, types, kept, strict=True))
    ):
        if value is None:
            condition = q.and_(q.is_null(q.field(column)), condition)
        else:
            beyond = q.compare(
                q.field(column), "<" if descending else ">", _literal(value, column_type)
            )
            tie = q.and_(q.eq(q.field(column), _literal(value, column_type)), condition)
            condition = q.or_(beyond, q.is_null(q.field(column)), tie)
    return condition
