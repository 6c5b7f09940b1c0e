"""Portal pages. Views stay thin: they read through selectors and the portal's read helpers
(catalogue search, records preview) and render."""

from .access import (
    access_inventory,
    access_request_new,
    access_request_withdraw,
    access_requests_mine,
)
from .board_exports import dashboard_block
from .catalogue import dataset_list
from .dataset import dataset_detail, dataset_source_file, distribution_file
from .home import home
from .indicators import (
    comparison_svg,
    dashboard_detail,
    dashboard_embed,
    dashboard_list,
    dashboard_tile_csv,
    evaluation_detail,
    evaluation_list,
    indicator_comparison,
    indicator_detail,
    indicator_list,
)
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
    "access_inventory",
    "access_request_new",
    "access_request_withdraw",
    "access_requests_mine",
    "dashboard_block",
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
    "comparison_svg",
    "dashboard_detail",
    "dashboard_embed",
    "dashboard_tile_csv",
    "dashboard_list",
    "evaluation_detail",
    "evaluation_list",
    "indicator_comparison",
    "indicator_detail",
    "indicator_list",
    "legal",
    "service_detail",
    "service_list",
    "territory_detail",
]
