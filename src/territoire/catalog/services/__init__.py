"""Writes to the catalogue. Every entry point (admin, API, workspace, CLI, demo) calls these:

- ``datasets``: create, update, delete a dataset, and the audited reads of non-public data;
- ``publication``: the one publication service — every change of ``is_published`` goes through
  ``dataset_publish`` / ``dataset_unpublish`` / ``personal_data_decision_record``, with the
  workflow (brouillon → soumis → publié, or renvoyé au relais) and its gates;
- ``distributions``: a dataset's files and URLs;
- ``columns``: the documentation of a dataset's columns (label, description, unit).
"""

from .columns import column_descriptions_set
from .datasets import (
    EDITABLE_FIELDS,
    dataset_create,
    dataset_delete,
    dataset_read_record,
    dataset_update,
)
from .distributions import (
    DISTRIBUTION_FIELDS,
    distribution_create,
    distribution_delete,
    distribution_update,
)
from .publication import (
    dataset_personal_data_check,
    dataset_publish,
    dataset_publish_or_submit,
    dataset_send_back,
    dataset_submit,
    dataset_unpublish,
    personal_data_decision_record,
    personal_data_review_request,
    publication_review_rule_set,
)

__all__ = [
    "column_descriptions_set",
    "DISTRIBUTION_FIELDS",
    "EDITABLE_FIELDS",
    "dataset_create",
    "dataset_delete",
    "dataset_personal_data_check",
    "dataset_publish",
    "dataset_publish_or_submit",
    "dataset_read_record",
    "dataset_send_back",
    "dataset_submit",
    "dataset_unpublish",
    "dataset_update",
    "distribution_create",
    "distribution_delete",
    "distribution_update",
    "personal_data_decision_record",
    "personal_data_review_request",
    "publication_review_rule_set",
]
