"""The records of a dataset on its portal page: the table preview (sort, filter per column,
pages), the map of its positions and the chart builder.

Nothing here writes SQL. The visitor's choices come as GET parameters; column names are checked
against the version's column list and values are turned into quoted ODSQL literals, and the
resulting ``where``/``order_by``/``group_by`` strings go through the one ODSQL compiler
(``territoire.records``), like every other read of records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoire.records.odsql import QueryError, RecordQuery

PAGE_SIZE = 20
PAGE_NUMBERS_UP_TO = 500  # beyond this many pages, only "previous / next" links
MAP_POINT_CAP = 10000
CHART_GROUPS = 20
TIMEOUT_S = 5.0

NUMERIC = {"integer", "decimal"}
TEMPORAL = {"date", "datetime"}
GEO = {"geo_point", "geometry"}
TYPE_LABELS = {
    "text": gettext_lazy("texte"),
    "integer": gettext_lazy("entier"),
    "decimal": gettext_lazy("nombre décimal"),
    "boolean": gettext_lazy("booléen (oui/non)"),
    "date": gettext_lazy("date"),
    "datetime": gettext_lazy("date et heure"),
    "geo_point": gettext_lazy("position (point)"),
    "geometry": gettext_lazy("géométrie"),
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def field_ref(column_id: str) -> str:
    """A column in ODSQL, back-quoted (ids are ASCII snake case from the lake, checked by caller)."""
    return "`" + column_id.replace("`", "") + "`"


def string_literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number_literal(value: str) -> str | None:
    cleaned = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return format(number, "f")


def date_literal(value: str) -> str | None:
    value = value.strip().replace("/", "-")
    return f"date'{value}'" if _DATE.match(value) else None


def _run(version, query: RecordQuery, *, with_count: bool = True, max_limit=10000) -> dict:
    """A page through the records selectors (hot versions, copies, remembered counts)."""
    from territoire.records import selectors

    return selectors.version_page(
        None,
        version,
        query,
        default_limit=PAGE_SIZE,
        max_limit=max_limit,
        with_count=with_count,
        timeout_s=TIMEOUT_S,
    )


# ------------------------------------------------------------------ table


@dataclass
class ColumnFilter:
    column: dict
    kind: str  # text, number, date, boolean
    value: str = ""
    mode: str = "contient"  # text: contient / egal
    minimum: str = ""
    maximum: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return self.column["id"]

    @property
    def label(self) -> str:
        return column_label(self.column)

    @property
    def active(self) -> bool:
        return bool(self.value or self.minimum or self.maximum) and not self.error


@dataclass
class Cell:
    text: str
    is_number: bool = False
    is_empty: bool = False


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
    where: str
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
    if column_type == "boolean":
        return "boolean"
    if column_type == "text":
        return "text"
    return None


def read_filters(columns: list[dict], params) -> list[ColumnFilter]:
    """One filter per filterable column, filled from the GET parameters (f-, mode-, min-, max-)."""
    filters = []
    for column in columns:
        kind = _filter_kind(column["type"])
        if kind is None:
            continue
        cid = column["id"]
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


def filter_conditions(filters: list[ColumnFilter]) -> list[str]:
    """The ODSQL conditions of the active filters; a value that does not fit its column sets
    the filter's ``error`` and is left out."""
    conditions = []
    for f in filters:
        ref = field_ref(f.id)
        if f.kind == "text" and f.value:
            if f.mode == "egal":
                conditions.append(f"{ref} = {string_literal(f.value)}")
            else:
                conditions.append(f"search({ref}, {string_literal(f.value)})")
        elif f.kind == "boolean" and f.value:
            conditions.append(f"{ref} is {'true' if f.value == 'oui' else 'false'}")
        elif f.kind in ("number", "date"):
            literal = number_literal if f.kind == "number" else date_literal
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
                bounds.append(f"{ref} {op} {value}")
            conditions.extend(bounds)
    return conditions


def _query_string(params: dict, **changes) -> str:
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else "?"


def table_params(params, columns: list[dict]) -> dict:
    """The table's own GET parameters (filters, sort, page), to carry them in links."""
    ids = {c["id"] for c in columns}
    kept = {}
    for key, value in params.items():
        prefix, _sep, cid = key.partition("-")
        if prefix in ("f", "mode", "min", "max") and cid in ids and value:
            kept[key] = value
    if params.get("tri", "").lstrip("-") in ids:
        kept["tri"] = params["tri"]
    return kept


_DBASE_SUFFIX = re.compile(r",[CNDLFM](,\d+){0,2}$")


def column_label(column: dict) -> str:
    """The column's header as people read it: dBase type suffixes ("Nom,C,254") dropped."""
    label = (column.get("label") or column["id"]).strip() or column["id"]
    return _DBASE_SUFFIX.sub("", label) or label


_SCALE = re.compile(r"DECIMAL\(\d+,\s*(\d+)\)")


def decimal_scale(column: dict) -> int | None:
    """The number of decimals the lake stores for the column (DECIMAL(18,2) -> 2), if fixed."""
    found = _SCALE.match(column.get("storage_type") or "")
    return int(found.group(1)) if found else None


def format_decimal(value, french: bool, scale: int | None = None) -> str:
    """A decimal as written in the visitor's language: 1 063 850,50 in French, 1,063,850.50 in
    English (the integer part grouped by thousands, the stored number of decimals kept)."""
    text = f"{value:.{scale}f}" if scale is not None and isinstance(value, float) else str(value)
    sign = "-" if text.startswith("-") else ""
    whole, _dot, fraction = text.lstrip("-").partition(".")
    if "e" in whole.lower() or not whole.isdigit():
        return text
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if french:
        return sign + "\u202f".join(groups) + ("," + fraction if fraction else "")
    return sign + ",".join(groups) + ("." + fraction if fraction else "")


def display(value, column_type: str, french: bool = True, scale: int | None = None) -> Cell:
    if value is None or value == "":
        return Cell("—", is_empty=True)
    if column_type == "geo_point" and isinstance(value, dict):
        return Cell(f"{value.get('lat'):.5f}, {value.get('lon'):.5f}")
    if column_type == "geometry" and isinstance(value, dict):
        count = len(_positions(value))
        return Cell(f"{value.get('type')} ({count} pt)")
    if column_type == "boolean":
        return Cell(_("oui") if value else _("non"))
    if column_type == "decimal":
        return Cell(format_decimal(value, french, scale), is_number=True)
    if column_type == "integer":
        return Cell(str(value), is_number=True)
    text = str(value)
    return Cell(text if len(text) <= 160 else text[:157] + "…")


def _positions(geometry: dict) -> list:
    from .maps import geometry_points

    return geometry_points(geometry)


def build_table(version, params, *, anchor: str = "#tableau") -> Table:
    """One page of records with the visitor's filters and sort."""
    columns = version.columns
    ids = {c["id"]: c for c in columns}
    filters = read_filters(columns, params)
    conditions = filter_conditions(filters)
    where = " and ".join(conditions)
    sort = params.get("tri", "")
    sort_id = sort.lstrip("-")
    order_by = ""
    if sort_id in ids and ids[sort_id]["type"] not in GEO:
        order_by = f"{field_ref(sort_id)} {'desc' if sort.startswith('-') else 'asc'}"
    else:
        sort = ""
    try:
        page = max(1, min(int(params.get("page", "1")), 10**7))
    except ValueError:
        page = 1
    carried = table_params(params, columns)
    carried.pop("page", None)

    headers = []
    for c in columns:
        sortable = c["type"] not in GEO
        state = ""
        if sort_id == c["id"] and sort:
            state = "descending" if sort.startswith("-") else "ascending"
        next_sort = "-" + c["id"] if state == "ascending" else c["id"]
        headers.append(
            HeaderColumn(
                id=c["id"],
                label=column_label(c),
                type=c["type"],
                sortable=sortable,
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
        where=where,
        order_by=order_by,
        reset_url="?" + anchor,
    )
    # Without a filter the count is the version's: no count query.
    query = RecordQuery(
        where=where or None,
        order_by=order_by or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    try:
        answer = _run(version, query, with_count=bool(where))
    except QueryError as exc:
        table.error = exc.localized()
        return table
    total = answer["total_count"] if where else int(version.row_count)
    table.limits = answer["limits"]
    specs = [(c["id"], c["type"], decimal_scale(c)) for c in columns]
    french = _is_french()
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


def _is_french() -> bool:
    from django.utils.translation import get_language

    return not (get_language() or "fr").startswith("en")


# ------------------------------------------------------------------ map


def geo_columns(columns: list[dict]) -> dict:
    """Where a dataset's positions are: a geo_point or geometry column, or a latitude/longitude
    pair that ingestion recognised (``geo_role``)."""
    for c in columns:
        if c["type"] in GEO:
            return {"kind": c["type"], "column": c}
    lat = next((c for c in columns if c.get("geo_role") == "latitude"), None)
    lon = next((c for c in columns if c.get("geo_role") == "longitude"), None)
    if lat and lon:
        return {"kind": "pair", "lat": lat, "lon": lon}
    return {}


def label_column(columns: list[dict]) -> dict | None:
    """The column that names a record best (nom, libellé, titre…), for map labels."""
    texts = [c for c in columns if c["type"] == "text"]
    for hint in ("nom", "name", "libelle", "titre", "title", "designation", "adresse"):
        for c in texts:
            if hint in c["id"]:
                return c
    return texts[0] if texts else None


def map_features(version, where: str) -> dict | None:
    """Points and shapes of the records that match the table's filters (at most MAP_POINT_CAP)."""
    geo = geo_columns(version.columns)
    if not geo:
        return None
    label = label_column(version.columns)
    if geo["kind"] == "pair":
        select = [field_ref(geo["lon"]["id"]) + " as lon", field_ref(geo["lat"]["id"]) + " as lat"]
        present = f"{field_ref(geo['lat']['id'])} is not null and {field_ref(geo['lon']['id'])} is not null"
    else:
        select = [field_ref(geo["column"]["id"]) + " as geo"]
        present = f"{field_ref(geo['column']['id'])} is not null"
    if label:
        select.append(field_ref(label["id"]) + " as label")
    query = RecordQuery(
        select=", ".join(select),
        where=[w for w in (where, present) if w],
        limit=MAP_POINT_CAP,
    )
    answer = _run(version, query, with_count=True, max_limit=MAP_POINT_CAP)
    points, shapes = [], []
    for row in answer["results"]:
        name = str(row.get("label") or "")
        if geo["kind"] == "pair":
            lon, lat = row.get("lon"), row.get("lat")
            if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                continue
            points.append((float(lon), float(lat), name))
        elif geo["kind"] == "geo_point":
            value = row.get("geo") or {}
            if value.get("lon") is not None:
                points.append((float(value["lon"]), float(value["lat"]), name))
        else:
            value = row.get("geo")
            if not value:
                continue
            if value.get("type") == "Point":
                lon, lat = value["coordinates"][:2]
                points.append((float(lon), float(lat), name))
            elif value.get("type") == "MultiPoint" and len(value["coordinates"]) == 1:
                lon, lat = value["coordinates"][0][:2]
                points.append((float(lon), float(lat), name))
            else:
                shapes.append((value, name))
    return {
        "points": points,
        "shapes": shapes,
        "total": answer["total_count"],
        "capped": answer["total_count"] is not None and answer["total_count"] > MAP_POINT_CAP,
        "label": label,
        "geo": geo,
    }


# ------------------------------------------------------------------ chart builder

AGGREGATES = {
    "count": gettext_lazy("nombre de lignes"),
    "sum": gettext_lazy("somme"),
    "avg": gettext_lazy("moyenne"),
}


@dataclass
class Bar:
    label: str
    value: float
    display: str
    width: str
    y: int


@dataclass
class Chart:
    group: dict
    aggregate: str
    measure: dict | None
    bars: list[Bar]
    groups_total: int | None
    width: int = 640
    height: int = 0
    label_width: int = 220
    bar_height: int = 22
    title: str = ""
    error: str = ""
    axis_label: str = ""
    group_label: str = ""


def chart_choices(columns: list[dict]) -> tuple[list[dict], list[dict]]:
    """Columns one can group by (not positions, not long free text), and numeric measures."""
    groups = [
        c
        for c in columns
        if c["type"] not in GEO
        and not (c["type"] == "decimal")
        and (c["type"] in TEMPORAL or (c.get("stats") or {}).get("distinct", 0) <= 5000)
    ]
    measures = [c for c in columns if c["type"] in NUMERIC]
    return groups, measures


def default_group(columns: list[dict]) -> dict | None:
    """A sensible first chart: the text column with the most values while staying readable
    (2 to 40), else the first date column."""
    candidates = [
        c
        for c in columns
        if c["type"] == "text" and 2 <= ((c.get("stats") or {}).get("distinct") or 0) <= 40
    ]
    if candidates:
        return max(candidates, key=lambda c: c["stats"]["distinct"])
    return next((c for c in columns if c["type"] in TEMPORAL), None)


def default_measure(columns: list[dict]) -> dict | None:
    """An amount to add up by default: the first decimal column that is not a coordinate."""
    return next((c for c in columns if c["type"] == "decimal" and not c.get("geo_role")), None)


def _format_number(value: float) -> str:
    from django.utils.formats import number_format

    if value is None:
        return "—"
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(float(value), 2), decimal_pos=2, force_grouping=True)


def build_chart(version, params, where: str) -> Chart | None:
    columns = version.columns
    groups, measures = chart_choices(columns)
    by_id = {c["id"]: c for c in columns}
    group = by_id.get(params.get("graphe-groupe", "")) or default_group(columns)
    if group is None or group not in groups:
        return Chart(group={}, aggregate="count", measure=None, bars=[], groups_total=None)
    chosen = "graphe-groupe" in params
    fallback = "sum" if default_measure(columns) and not chosen else "count"
    aggregate = params.get("graphe-calcul", fallback)
    if aggregate not in AGGREGATES:
        aggregate = "count"
    measure = by_id.get(params.get("graphe-mesure", "")) or default_measure(columns)
    if aggregate != "count" and (measure is None or measure not in measures):
        measure = measures[0] if measures else None
        if measure is None:
            aggregate = "count"
    if aggregate == "count":
        measure = None
    key = field_ref(group["id"])
    if group["type"] in TEMPORAL:
        key = f"year({key})"
    value_sql = "count(*)" if aggregate == "count" else f"{aggregate}({field_ref(measure['id'])})"
    query = RecordQuery(
        select=f"{key} as groupe, {value_sql} as valeur",
        where=where or None,
        group_by=f"{key} as groupe",
        order_by="valeur desc" if group["type"] not in TEMPORAL else "groupe",
        limit=CHART_GROUPS if group["type"] not in TEMPORAL else 200,
    )
    chart = Chart(group=group, aggregate=aggregate, measure=measure, bars=[], groups_total=None)
    group_label = column_label(group)
    if aggregate == "count":
        chart.axis_label = _("Nombre de lignes")
    else:
        chart.axis_label = f"{AGGREGATES[aggregate].capitalize()} — {column_label(measure)}"
    chart.group_label = group_label
    chart.title = _("%(value)s par %(group)s") % {"value": chart.axis_label, "group": group_label}
    try:
        answer = _run(version, query)
    except QueryError as exc:
        chart.error = exc.localized()
        return chart
    rows = answer["results"]
    chart.groups_total = answer["total_count"]
    values = [float(r["valeur"] or 0) for r in rows]
    top = max([abs(v) for v in values] + [1e-12])
    plot = chart.width - chart.label_width - 90
    for i, row in enumerate(rows):
        value = float(row["valeur"] or 0)
        raw = row["groupe"]
        if raw is None:
            label = _("(vide)")
        elif group["type"] == "boolean":
            label = _("oui") if raw else _("non")
        else:
            label = str(raw)
        chart.bars.append(
            Bar(
                label=label if len(label) <= 34 else label[:33] + "…",
                value=value,
                display=_format_number(value),
                width=f"{max(abs(value) / top * plot, 1.0):.1f}",  # a string: no localisation
                y=10 + i * (chart.bar_height + 6),
            )
        )
    chart.height = 20 + len(chart.bars) * (chart.bar_height + 6)
    return chart


# ------------------------------------------------------------------ version history


def schema_changes(previous_columns: list[dict], columns: list[dict]) -> dict:
    """What changed in the columns from one version to the next (by id)."""
    old = {c["id"]: c for c in previous_columns}
    new = {c["id"]: c for c in columns}
    return {
        "added": [column_label(new[i]) for i in new if i not in old],
        "removed": [column_label(old[i]) for i in old if i not in new],
        "retyped": [
            (
                column_label(new[i]),
                str(TYPE_LABELS.get(old[i]["type"], old[i]["type"])),
                str(TYPE_LABELS.get(new[i]["type"], new[i]["type"])),
            )
            for i in new
            if i in old and old[i]["type"] != new[i]["type"]
        ],
    }
