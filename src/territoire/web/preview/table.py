"""The table preview of a dataset's page: a page of records with the visitor's filters (one per
column), sort and page links.

Nothing here writes SQL, nor query text: the visitor's choices come as GET parameters, column
names are checked against the version's columns and values turned into typed literals, and the
filter and sort are built as ODSQL syntax trees (``odsql.build``) that go through the records
selectors like every other read. Their text is shown in the API examples.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from territoire.records import selectors
from territoire.records.columns import GEO, NUMERIC, TEMPORAL, Column
from territoire.records.engine import InsufficientMemory
from territoire.records.odsql import QueryError, RecordQuery, ast
from territoire.records.odsql import build as q
from territoire.records.odsql.literals import LiteralError

from .cells import Cell, column_label, decimal_scale, display, is_french

PAGE_SIZE = 20
PAGE_NUMBERS_UP_TO = 500  # beyond this many pages, only "previous / next" links
TIMEOUT_S = 5.0
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def run(served: selectors.Served, query: RecordQuery, *, with_count=True, max_limit=10000):
    """A page through the records selectors (hot versions, copies, remembered counts)."""
    return selectors.version_page(
        served,
        query,
        default_limit=PAGE_SIZE,
        max_limit=max_limit,
        with_count=with_count,
        timeout_s=TIMEOUT_S,
    )


def number(value: str) -> ast.Node | None:
    cleaned = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    try:
        parsed = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None
    return q.number(format(parsed, "f")) if parsed.is_finite() else None


def date(value: str) -> ast.Node | None:
    value = value.strip().replace("/", "-")
    if not _DATE.match(value):
        return None
    try:
        return q.date(value)
    except LiteralError:  # a day or month that does not exist
        return None


@dataclass
class ColumnFilter:
    column: Column
    kind: str  # text, number, date, boolean
    value: str = ""
    mode: str = "contient"  # text: contient / egal
    minimum: str = ""
    maximum: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return self.column.id

    @property
    def label(self) -> str:
        return column_label(self.column)

    @property
    def active(self) -> bool:
        return bool(self.value or self.minimum or self.maximum) and not self.error


@dataclass
class HeaderColumn:
    id: str
    label: str
    type: str
    sortable: bool
    sort_state: str  # "", "ascending", "descending"
    sort_url: str


@dataclass
class Table:
    headers: list[HeaderColumn]
    rows: list[list[Cell]]
    total: int | None
    page: int
    pages: int | None
    first_row: int
    last_row: int
    filters: list[ColumnFilter]
    condition: ast.Node | None  # the filters, as a query (the map and the chart follow them)
    where: str  # the same, as ODSQL text (the API examples show it)
    order_by: str
    error: str = ""
    limits: list[dict] = field(default_factory=list)
    page_links: list[tuple[int | None, str]] = field(default_factory=list)  # (number, url)
    previous_url: str = ""
    next_url: str = ""
    reset_url: str = ""

    @property
    def active_filters(self) -> list[ColumnFilter]:
        return [f for f in self.filters if f.active]


def _filter_kind(column_type: str) -> str | None:
    if column_type in NUMERIC:
        return "number"
    if column_type in TEMPORAL:
        return "date"
    if column_type in ("boolean", "text"):
        return column_type
    return None


def read_filters(columns: tuple[Column, ...], params) -> list[ColumnFilter]:
    """One filter per filterable column, filled from the GET parameters (f-, mode-, min-, max-)."""
    filters = []
    for column in columns:
        kind = _filter_kind(column.type)
        if kind is None:
            continue
        cid = column.id
        f = ColumnFilter(
            column=column,
            kind=kind,
            value=params.get(f"f-{cid}", "").strip()[:200],
            mode="egal" if params.get(f"mode-{cid}") == "egal" else "contient",
            minimum=params.get(f"min-{cid}", "").strip()[:40],
            maximum=params.get(f"max-{cid}", "").strip()[:40],
        )
        if kind == "boolean" and f.value not in ("", "oui", "non"):
            f.value = ""
        filters.append(f)
    return filters


def filter_conditions(filters: list[ColumnFilter]) -> list[ast.Node]:
    """The conditions of the active filters; a value that does not fit its column sets the
    filter's ``error`` and is left out."""
    conditions: list[ast.Node] = []
    for f in filters:
        column = q.field(f.id)
        if f.kind == "text" and f.value:
            if f.mode == "egal":
                conditions.append(q.eq(column, f.value))
            else:
                conditions.append(q.search(f.value, column))
        elif f.kind == "boolean" and f.value:
            conditions.append(q.is_bool(column, f.value == "oui"))
        elif f.kind in ("number", "date"):
            literal = number if f.kind == "number" else date
            bounds = []
            for op, raw in ((">=", f.minimum), ("<=", f.maximum)):
                if not raw:
                    continue
                value = literal(raw)
                if value is None:
                    f.error = (
                        _("« %(value)s » n'est pas un nombre.")
                        if f.kind == "number"
                        else _("« %(value)s » n'est pas une date (AAAA-MM-JJ).")
                    ) % {"value": raw}
                    bounds = []
                    break
                bounds.append(q.compare(column, op, value))
            conditions.extend(bounds)
    return conditions


def _query_string(params: dict, **changes) -> str:
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else "?"


def table_params(params, columns: tuple[Column, ...]) -> dict:
    """The table's own GET parameters (filters, sort, page), to carry them in links."""
    ids = {c.id for c in columns}
    kept = {}
    for key, value in params.items():
        prefix, _sep, cid = key.partition("-")
        if prefix in ("f", "mode", "min", "max") and cid in ids and value:
            kept[key] = value
    if params.get("tri", "").lstrip("-") in ids:
        kept["tri"] = params["tri"]
    return kept


def build_table(served: selectors.Served, params, *, anchor: str = "#tableau") -> Table:
    """One page of records with the visitor's filters and sort."""
    columns = served.data_columns
    ids = {c.id: c for c in columns}
    filters = read_filters(columns, params)
    conditions = filter_conditions(filters)
    condition = q.and_(*conditions) if conditions else None
    sort = params.get("tri", "")
    sort_id = sort.lstrip("-")
    order = None
    if sort_id in ids and ids[sort_id].type not in GEO:
        order = [q.order(q.field(sort_id), descending=sort.startswith("-"))]
    else:
        sort = ""
    try:
        page = max(1, min(int(params.get("page", "1")), 10**7))
    except ValueError:
        page = 1
    carried = table_params(params, columns)
    carried.pop("page", None)

    # The headers people read: the steward's documented labels (with the unit), else the file's.
    labels = {
        f.id: f.label_with_unit
        for f in selectors.fields_documented(
            served.dataset_id, served.version.columns if served.version else []
        )
        if f.is_documented
    }
    headers = []
    for c in columns:
        state = ""
        if sort_id == c.id and sort:
            state = "descending" if sort.startswith("-") else "ascending"
        next_sort = "-" + c.id if state == "ascending" else c.id
        headers.append(
            HeaderColumn(
                id=c.id,
                label=labels.get(c.id) or column_label(c),
                type=c.type,
                sortable=c.type not in GEO,
                sort_state=state,
                sort_url=_query_string(carried, tri=next_sort) + anchor,
            )
        )

    table = Table(
        headers=headers,
        rows=[],
        total=None,
        page=page,
        pages=None,
        first_row=0,
        last_row=0,
        filters=filters,
        condition=condition,
        where=q.text(condition) if condition is not None else "",
        order_by=q.text(order) if order else "",
        reset_url="?" + anchor,
    )
    query = RecordQuery(
        where=condition, order_by=order, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    try:
        # Without a filter the count is the version's: no count query.
        answer = run(served, query, with_count=condition is not None)
    except (QueryError, InsufficientMemory) as exc:
        table.error = exc.localized()
        return table
    total = answer["total_count"] if condition is not None else int(served.version.row_count)
    table.limits = answer["limits"]
    specs = [(c.id, c.type, decimal_scale(c)) for c in columns]
    french = is_french()
    for row in answer["results"]:
        table.rows.append([display(row.get(cid), t, french, scale) for cid, t, scale in specs])
    table.total = total
    table.first_row = (page - 1) * PAGE_SIZE + 1 if table.rows else 0
    table.last_row = (page - 1) * PAGE_SIZE + len(table.rows)
    has_next = (
        (total is not None and table.last_row < total)
        if total is not None
        else len(table.rows) == PAGE_SIZE
    )
    if total is not None:
        table.pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > 1:
        table.previous_url = _query_string(carried, page=page - 1) + anchor
    if has_next:
        table.next_url = _query_string(carried, page=page + 1) + anchor
    if table.pages and 1 < table.pages <= PAGE_NUMBERS_UP_TO:
        table.page_links = _page_window(page, table.pages, carried, anchor)
    return table


def _page_window(page: int, pages: int, carried: dict, anchor: str):
    """First, last and two pages either side of the current one; None marks a gap."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[tuple[int | None, str]] = []
    previous = 0
    for n in wanted:
        if n - previous > 1:
            links.append((None, ""))
        links.append((n, _query_string(carried, page=n if n > 1 else None) + anchor))
        previous = n
    return links
