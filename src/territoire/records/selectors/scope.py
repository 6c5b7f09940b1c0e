"""What a reader under a scoped access grant may read of a version: some columns, some rows.

A grant (``trust.AccessGrant``, chosen by ``catalog.selectors.dataset_read_grant``) names the
columns it opens (none: all), conditions on rows (``{"column", "op", "value"}``, ANDed) and a
period on a date column (``{"column", "start", "end"}``, both ends included). This module turns
them into an ODSQL tree (``odsql.build``), validated against the version's columns and compiled
with bound parameters like any query (``odsql.compile_filter``), and wraps the version's FROM
item in it: ``(SELECT <open columns> FROM <version> WHERE <condition>)``. Every read — pages,
facets, exports, one record, the portal's table, map and chart — goes through that FROM item
(``sources.open_version``), so a hidden column or row never reaches any of them, not even
through a ``where`` on it: the query is validated against the open columns only.
"""

# ruff: noqa: S608 -- the SQL here is quoted column ids and the compiled, parameterised condition.

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from territoire.core.errors import ValidationFailed

from ..columns import Column, quote
from ..odsql import ast, compile_filter
from ..odsql import build as q
from ..odsql.errors import QueryError
from ..odsql.literals import LiteralError

# The operators a grant's row condition may use (the indicators' filters use the same ones).
OPERATORS: dict[str, str | None] = {
    "=": "=",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "is_null": None,
    "is_not_null": None,
}


@dataclass(frozen=True)
class Restriction:
    """A grant's scope on one version: the columns left, and the row condition."""

    grant_id: int
    columns: tuple[Column, ...]  # every column of the version (the id first): the condition's
    open_ids: frozenset[str]  # the columns the reader sees (the id always)
    condition: ast.Node | None


def _refuse(where: str, fr: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"Périmètre : {fr}", f"Scope: {en}", where=where)


def condition_of(
    row_filters: list[dict[str, Any]] | None, period: dict[str, Any] | None
) -> ast.Node | None:
    """The ODSQL tree of a grant's row conditions and period (None: every row)."""
    parts: list[ast.Node] = []
    for i, item in enumerate(row_filters or []):
        where = f"row_filters[{i}]"
        if not isinstance(item, dict) or not item.get("column"):
            raise _refuse(
                where, "chaque condition nomme une colonne.", "each condition names a column."
            )
        op = item.get("op", "=")
        if op not in OPERATORS:
            raise _refuse(
                f"{where}.op",
                f"opérateur « {op} » inconnu (attendu : {', '.join(OPERATORS)}).",
                f"unknown operator '{op}' (expected: {', '.join(OPERATORS)}).",
            )
        field = q.field(str(item["column"]))
        symbol = OPERATORS[op]
        if symbol is None:
            parts.append(q.is_null(field, negated=op == "is_not_null"))
            continue
        value = item.get("value")
        if not isinstance(value, str | int | float | bool):
            raise _refuse(
                f"{where}.value",
                "il faut une valeur (texte, nombre ou booléen).",
                "a value is needed (text, number or boolean).",
            )
        parts.append(q.compare(field, symbol, value))
    if period:
        if not isinstance(period, dict) or not period.get("column"):
            raise _refuse(
                "period.column",
                "la période nomme une colonne de dates.",
                "the period names a date column.",
            )
        field = q.field(str(period["column"]))
        for key, op in (("start", ">="), ("end", "<=")):
            if period.get(key):
                try:
                    parts.append(q.compare(field, op, q.date(str(period[key]))))
                except LiteralError as exc:
                    raise _refuse(
                        f"period.{key}",
                        f"date « {period[key]} » invalide ({exc}).",
                        f"invalid date '{period[key]}' ({exc}).",
                    ) from exc
    return q.and_(*parts) if parts else None


def restriction_for(grant, columns: tuple[Column, ...]) -> Restriction:
    """The restriction of ``grant`` on a version with these columns (the id first)."""
    known = {c.id for c in columns[1:]}
    wanted = [str(c) for c in (grant.columns or [])]
    missing = [c for c in wanted if c not in known]
    if missing:
        raise _refuse(
            "columns",
            f"colonnes inconnues : {', '.join(missing)} (colonnes : {', '.join(sorted(known))}).",
            f"unknown columns: {', '.join(missing)} (columns: {', '.join(sorted(known))}).",
        )
    open_ids = frozenset([columns[0].id, *(wanted or known)])
    return Restriction(
        grant.pk or 0, columns, open_ids, condition_of(grant.row_filters, grant.period)
    )


def check(grant, columns: tuple[Column, ...], timezone: str = "Europe/Paris") -> None:
    """Raise ValidationFailed (naming the field) when the grant's scope does not fit a version
    with these columns: unknown columns, a value of the wrong type, a bad operator or date."""
    restriction = restriction_for(grant, columns)
    try:
        compile_filter(columns=columns, where=restriction.condition, timezone=timezone)
    except QueryError as exc:
        raise _refuse("row_filters", exc.message_fr, exc.message_en) from exc


def wrap(restriction: Restriction, sql: str, params: list, timezone: str) -> tuple[str, list]:
    """The FROM item ``sql`` restricted: the open columns of the rows the condition keeps."""
    outputs = ", ".join(quote(c.id) for c in restriction.columns if c.id in restriction.open_ids)
    if restriction.condition is None:
        return f"(SELECT {outputs} FROM {sql})", list(params)
    compiled = compile_filter(
        columns=restriction.columns, where=_fresh(restriction.condition), timezone=timezone
    )
    return (
        f"(SELECT {outputs} FROM {sql} WHERE {compiled.condition})",
        [*params, *compiled.params],
    )


def _fresh(node: ast.Node) -> ast.Node:
    """A copy of the tree (validation annotates nodes: one tree is never validated twice)."""
    return q.fresh(node)


def restricted_columns(restriction: Restriction) -> tuple[Column, ...]:
    return tuple(c for c in restriction.columns if c.id in restriction.open_ids)
