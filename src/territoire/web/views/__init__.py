"""Portal pages. Views stay thin: they read through selectors and the portal's read helpers
(catalogue search, records preview) and render."""

from .catalogue import dataset_list
from .dataset import dataset_detail, dataset_source_file, distribution_file
from .home import home
from .indicators import indicator_detail, indicator_list
from .pages import accessibility, legal
from .producers import service_detail, service_list
from .registers import (
    algorithm_detail,
    algorithm_list,
    processing_detail,
    processing_list,
    registers_home,
)
from .territory import territory_detail

__all__ = [
    "algorithm_detail",
    "algorithm_list",
    "processing_detail",
    "processing_list",
    "registers_home",
    "accessibility",
    "dataset_detail",
    "dataset_list",
    "dataset_source_file",
    "distribution_file",
    "home",
    "indicator_detail",
    "indicator_list",
    "legal",
    "service_detail",
    "service_list",
    "territory_detail",
]
