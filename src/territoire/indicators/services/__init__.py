"""Writes to indicators: their description and definition, targets, the publication decision,
and their computation into a series dataset."""

from .boards import (
    dashboard_check_editable,
    dashboard_create,
    dashboard_delete,
    dashboard_embed_set,
    dashboard_publish,
    dashboard_update,
    evaluation_create,
    evaluation_delete,
    evaluation_update,
)
from .compute import (
    SERIES_COLUMNS,
    indicator_compute,
    indicators_compute_all,
    indicators_recompute_for_version,
    series_protect,
)
from .indicators import (
    definition_validate,
    indicator_create,
    indicator_delete,
    indicator_publish,
    indicator_targets_set,
    indicator_unpublish,
    indicator_update,
)

__all__ = [
    "SERIES_COLUMNS",
    "dashboard_check_editable",
    "dashboard_create",
    "dashboard_delete",
    "dashboard_embed_set",
    "dashboard_publish",
    "dashboard_update",
    "evaluation_create",
    "evaluation_delete",
    "evaluation_update",
    "series_protect",
    "definition_validate",
    "indicator_compute",
    "indicator_create",
    "indicator_delete",
    "indicator_publish",
    "indicator_targets_set",
    "indicator_unpublish",
    "indicator_update",
    "indicators_compute_all",
    "indicators_recompute_for_version",
]
