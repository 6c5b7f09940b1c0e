"""Writes to the lake: ingest a file into a new immutable Parquet version, swap the served version,
set type overrides and lake settings, reload the current source.

A version is written once: the engine stages the Parquet file in ``lake/.staging/<uuid>/`` (fsynced),
it is hard-linked (or renamed) to ``lake/<slug>/v<N>-<hash8>.parquet`` — never over an existing
file — and only then, in one transaction, the version row is created, the dataset's current version
is swapped and the audit event is written. Any failure removes what this run wrote; the previous
version keeps serving. Ingestions of one dataset run one after the other (``locks``); files a killed
run placed are reused by the next run of the same file (``files.place``) and removed by the
worker's ``cleanup``.

Actors: a user, or ``None`` for the platform itself (the `territoire ingest` command run without an
account, a scheduled refresh). Views and routers never pass ``None``: they pass ``request.user`` or the
token's user, which is an ``AnonymousUser`` when nobody is logged in.
"""

from .anonymise import (
    AnonymisationSpec,
    Anonymised,
    anonymisation_preview,
    dataset_anonymise,
    derived_slug,
)
from .by_slug import dataset_ingest_by_slug
from .files import (
    dataset_files_remove_on_commit,
    file_sha256,
    lake_root,
    upload_discard,
    upload_store,
    uploads_root,
)
from .ingest import Progress, dataset_ingest, dataset_reingest
from .lake_settings import (
    COLUMN_TYPES,
    dataset_lake_get,
    dataset_lake_update,
    dataset_set_type_overrides,
    require_edit,
)

__all__ = [
    "AnonymisationSpec",
    "Anonymised",
    "anonymisation_preview",
    "dataset_anonymise",
    "derived_slug",
    "COLUMN_TYPES",
    "Progress",
    "dataset_files_remove_on_commit",
    "dataset_ingest",
    "dataset_ingest_by_slug",
    "dataset_lake_get",
    "dataset_lake_update",
    "dataset_reingest",
    "dataset_set_type_overrides",
    "file_sha256",
    "lake_root",
    "require_edit",
    "upload_discard",
    "upload_store",
    "uploads_root",
]
