"""The records of a dataset on its portal page: the table preview (sort, filter per column,
pages), the map of its positions and the chart builder — all read through the records
selectors, with queries built as ODSQL syntax trees (nothing here writes SQL or query text)."""

from .cells import TYPE_LABELS, column_label, schema_changes
from .chart import AGGREGATES, build_chart, chart_choices
from .mapping import has_map, map_features
from .table import build_table, table_params

__all__ = [
    "AGGREGATES",
    "TYPE_LABELS",
    "build_chart",
    "build_table",
    "chart_choices",
    "column_label",
    "has_map",
    "map_features",
    "schema_changes",
    "table_params",
]
