"""Writes of reports (see each module)."""

from .categories import category_save
from .dataset import DATASET_SLUG, reports_dataset_refresh
from .moderation import report_edit_text, report_flag, report_moderate
from .reports import (
    CheckedReport,
    RateLimitedWrite,
    report_answer,
    report_check,
    report_file,
    report_follow,
    report_photo_attach,
    report_read_record,
    report_unfollow,
    write_throttle,
)

__all__ = [
    "DATASET_SLUG",
    "CheckedReport",
    "RateLimitedWrite",
    "category_save",
    "report_answer",
    "report_check",
    "report_edit_text",
    "report_file",
    "report_flag",
    "report_follow",
    "report_moderate",
    "report_photo_attach",
    "report_read_record",
    "report_unfollow",
    "reports_dataset_refresh",
    "write_throttle",
]
