"""The ingestion report: one shape for the CLI (--json), the API, the jobs and the back-office."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class IngestReport:
    """What one ingestion did. `status` is created, unchanged or failed."""

    dataset: str
    status: str
    version: int | None = None
    previous_version: int | None = None
    rows: int | None = None
    columns: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    validation: dict | None = None
    conformity: str = "none"
    schema: str | None = None
    personal_data: list[dict] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)
    source_checksum: str | None = None
    parquet_checksum: str | None = None
    published: bool | None = None
    message_fr: str = ""
    message_en: str = ""
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        """Created or unchanged, and published when publication was asked for."""
        return self.status in {"created", "unchanged"} and not any(
            e.get("code") == "publication_refused" for e in self.errors
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "status": self.status,
            "message": self.message_fr,
            "message_en": self.message_en,
            "version": self.version,
            "previous_version": self.previous_version,
            "rows": self.rows,
            "columns": self.columns,
            "warnings": self.warnings,
            "errors": self.errors,
            "validation": self.validation,
            "conformity": self.conformity,
            "schema": self.schema,
            "personal_data": self.personal_data,
            "source": self.source,
            "source_checksum": self.source_checksum,
            "parquet_checksum": self.parquet_checksum,
            "published": self.published,
            "seconds": round(self.seconds, 3),
        }


def error_issue(exc, *, code: str | None = None, file: str | None = None) -> dict[str, Any]:
    """A TerritoireError as an Issue-shaped dict, so every error in a report reads the same way."""
    return {
        "severity": "error",
        "code": code or getattr(exc, "code", "error"),
        "message_fr": getattr(exc, "message_fr", str(exc)),
        "message_en": getattr(exc, "message_en", str(exc)),
        "file": file,
        "line": None,
        "column": getattr(exc, "where", None),
        "hint_fr": None,
        "hint_en": None,
    }
