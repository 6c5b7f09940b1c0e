"""Reads of indicators, aware of who is asking: one visibility rule (the catalogue's, applied to
indicators), one edit rule, the series read through the records engine, the on-track sentence."""

from .access import (
    indicator_check_editable,
    indicator_get_editable,
    indicator_get_for_actor,
    indicator_list_editable,
    indicator_list_for_actor,
    indicator_targets,
    series_progress,
    series_read,
    source_list_for_actor,
)
from .boards import (
    Comparison,
    Tile,
    comparison_for,
    dashboard_get_for_actor,
    dashboard_list_editable,
    dashboard_list_for_actor,
    dashboard_tiles,
    evaluation_assess,
    evaluation_get_for_actor,
    evaluation_list_for_actor,
    indicators_using,
    sparkline_points,
    territory_indicators,
)
from .effects import EffectResult, effect_estimate
from .progress import Progress, period_end, progress_assess
from .series import Point, definition_check, definition_preview, series_compute

__all__ = [
    "Comparison",
    "EffectResult",
    "Point",
    "Tile",
    "comparison_for",
    "dashboard_get_for_actor",
    "dashboard_list_editable",
    "dashboard_list_for_actor",
    "dashboard_tiles",
    "effect_estimate",
    "evaluation_assess",
    "evaluation_get_for_actor",
    "evaluation_list_for_actor",
    "indicators_using",
    "sparkline_points",
    "territory_indicators",
    "Progress",
    "definition_check",
    "definition_preview",
    "indicator_check_editable",
    "indicator_get_editable",
    "indicator_get_for_actor",
    "indicator_list_editable",
    "indicator_list_for_actor",
    "indicator_targets",
    "period_end",
    "progress_assess",
    "series_compute",
    "series_progress",
    "series_read",
    "source_list_for_actor",
]
