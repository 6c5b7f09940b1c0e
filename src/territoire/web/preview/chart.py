"""The chart builder of a dataset's page: one bar per group (a column's values, or the years of
a date), counting rows or adding up a measure, over the records the table's filters keep."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoire.records import selectors
from territoire.records.columns import GEO, NUMERIC, TEMPORAL, Column
from territoire.records.engine import InsufficientMemory
from territoire.records.odsql import QueryError, RecordQuery, ast
from territoire.records.odsql import build as q

from .cells import column_label
from .table import run

CHART_GROUPS = 20
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
    group: Column | None
    aggregate: str
    measure: Column | None
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


def chart_choices(columns: tuple[Column, ...]) -> tuple[list[Column], list[Column]]:
    """Columns one can group by (not positions, not long free text), and numeric measures."""
    groups = [
        c
        for c in columns
        if c.type not in GEO
        and c.type != "decimal"
        and (c.type in TEMPORAL or (c.distinct or 0) <= 5000)
    ]
    measures = [c for c in columns if c.type in NUMERIC]
    return groups, measures


def default_group(columns: tuple[Column, ...]) -> Column | None:
    """A sensible first chart: the text column with the most values while staying readable
    (2 to 40), else the first date column."""
    candidates = [c for c in columns if c.type == "text" and 2 <= (c.distinct or 0) <= 40]
    if candidates:
        return max(candidates, key=lambda c: c.distinct or 0)
    return next((c for c in columns if c.type in TEMPORAL), None)


def default_measure(columns: tuple[Column, ...]) -> Column | None:
    """An amount to add up by default: the first decimal column that is not a coordinate."""
    return next((c for c in columns if c.type == "decimal" and not c.geo_role), None)


def _format_number(value: float) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(float(value), 2), decimal_pos=2, force_grouping=True)


def build_chart(served: selectors.Served, params, condition: ast.Node | None) -> Chart:
    columns = served.data_columns
    groups, measures = chart_choices(columns)
    by_id = {c.id: c for c in columns}
    group = by_id.get(params.get("graphe-groupe", "")) or default_group(columns)
    if group is None or group not in groups:
        return Chart(group=None, aggregate="count", measure=None, bars=[], groups_total=None)
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
    temporal = group.type in TEMPORAL
    key = q.call("year", q.field(group.id)) if temporal else q.field(group.id)
    value = q.call("count", q.star()) if measure is None else q.call(aggregate, q.field(measure.id))
    query = RecordQuery(
        select=q.select((key, "groupe"), (value, "valeur")),
        where=condition,
        group_by=[q.group(key, "groupe")],
        order_by=[q.order(q.field("groupe"))]
        if temporal
        else [q.order(q.field("valeur"), descending=True)],
        limit=200 if temporal else CHART_GROUPS,
    )
    chart = Chart(group=group, aggregate=aggregate, measure=measure, bars=[], groups_total=None)
    group_label = column_label(group)
    if measure is None:
        chart.axis_label = _("Nombre de lignes")
    else:
        chart.axis_label = f"{AGGREGATES[aggregate].capitalize()} — {column_label(measure)}"
    chart.group_label = group_label
    chart.title = _("%(value)s par %(group)s") % {"value": chart.axis_label, "group": group_label}
    try:
        answer = run(served, query)
    except (QueryError, InsufficientMemory) as exc:
        chart.error = exc.localized()
        return chart
    rows = answer["results"]
    chart.groups_total = answer["total_count"]
    values = [float(r["valeur"] or 0) for r in rows]
    top = max([abs(v) for v in values] + [1e-12])
    plot = chart.width - chart.label_width - 90
    for i, row in enumerate(rows):
        amount = float(row["valeur"] or 0)
        raw = row["groupe"]
        if raw is None:
            label = _("(vide)")
        elif group.type == "boolean":
            label = _("oui") if raw else _("non")
        else:
            label = str(raw)
        chart.bars.append(
            Bar(
                label=label if len(label) <= 34 else label[:33] + "…",
                value=amount,
                display=_format_number(amount),
                width=f"{max(abs(amount) / top * plot, 1.0):.1f}",  # a string: no localisation
                y=10 + i * (chart.bar_height + 6),
            )
        )
    chart.height = 20 + len(chart.bars) * (chart.bar_height + 6)
    return chart
