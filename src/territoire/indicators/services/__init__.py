"""Writes to indicators: their description and definition, targets, the publication decision,
and their computation into a series dataset."""

from .compute import (
    SERIES_COLUMNS,
    indicator_compute,
    indicators_compute_all,
    indicators_recompute_for_version,
)
from .indicators import (
    definition_validate,
    indicator_create,
    indicator_publish,
    indicator_targets_set,
    indicator_unpublish,
    indicator_update,
)

__all__ = [
    "SERIES_COLUMNS",
    "definition_validate",
    "indicator_compute",
    "indicator_create",
    "indicator_publish",
    "indicator_targets_set",
    "indicator_unpublish",
    "indicator_update",
    "indicators_compute_all",
    "indicators_recompute_for_version",
]
