"""API shapes of the lake: jobs, versions, diffs, type overrides."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema


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
