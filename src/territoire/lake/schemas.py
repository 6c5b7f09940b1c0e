"""API shapes of the lake: jobs, versions, diffs, type overrides."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class UploadAcceptedOut(Schema):
    job: int
    status: str
    status_url: str
    dataset: str


class JobOut(Schema):
    id: int
    dataset: str
    kind: str
    status: str
    progress: int
    stage: str
    stage_en: str = Field(description="The stage in English (fixed stages; others stay French)")
    source_name: str
    version: int | None
    report: dict[str, Any]
    error: dict[str, Any]
    created_by: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    notice: dict[str, str] | None = None  # e.g. no worker runs: {code, message, message_en}


class VersionOut(Schema):
    number: int
    is_current: bool
    source_name: str
    source_format: str
    source_checksum: str
    parquet_checksum: str
    byte_size: int
    row_count: int
    conformity: str
    schema_ref: str
    personal_data: list[dict[str, Any]]
    created_by: str | None
    created_at: datetime.datetime
    parquet_url: str


class VersionDetailOut(VersionOut):
    columns: list[dict[str, Any]]
    validation: dict[str, Any]
    report: dict[str, Any]


class TypeOverridesIn(Schema):
    overrides: dict[str, str | None]
    reload: bool = True


class TypeOverridesOut(Schema):
    dataset: str
    type_overrides: dict[str, str]
    job: int | None = None
    status_url: str | None = None


class AnonymisationIn(Schema):
    """A transform plan (docs/anonymisation.md) and the check its result must pass; ``preview``
    runs both without writing anything."""

    plan: list[dict[str, Any]]
    quasi_identifiers: list[str]
    k: int = 11
    l: int = 2  # noqa: E741 - the name of the measure
    sensitive: list[str] = []
    preview: bool = False


class AnonymisationOut(Schema):
    source: str
    source_version: int
    may_open: bool
    check: dict[str, Any]
    columns: list[str]
    dataset: str | None = None  # the derived dataset (not for a preview)
    version: int | None = None
    created: bool = False
    unchanged: bool = False
    lineage: dict[str, Any] | None = None
