"""The ingestion report: one shape for the CLI (--json), the API, the jobs and the back-office."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from territoire.trust.personal_data import mask


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
    timings: dict[str, Any] = field(default_factory=dict)  # seconds per step (Laps)

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
            "timings": self.timings,
        }


class Laps:
    """Seconds spent in each step of an ingestion, written into ``timings`` as they end."""

    def __init__(self, timings: dict[str, Any]):
        self.timings = timings
        self.clock = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.timings[step] = round(now - self.clock, 4)
        self.clock = now


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


def _flag_kinds(flags: list[dict] | None) -> dict[str, str]:
    return {f["column"]: f.get("kind") or "" for f in flags or [] if f.get("column")}


def _mask(value: Any, kind: str) -> Any:
    return value if value is None else mask(str(value), kind)


def columns_masked(columns: list[dict], flags: list[dict] | None) -> list[dict]:
    """The columns of a version or report with the values shown of every column flagged as
    personal data (examples, minimum, maximum) masked as the flags mask them (``A••• D•••``)."""
    kinds = _flag_kinds(flags)
    if not kinds:
        return columns
    masked = []
    for column in columns:
        kind = kinds.get(column.get("id"))
        stats = column.get("stats")
        if kind is None or not stats:
            masked.append(column)
            continue
        stats = {
            **stats,
            "min": _mask(stats.get("min"), kind),
            "max": _mask(stats.get("max"), kind),
            "examples": [_mask(v, kind) for v in stats.get("examples") or []],
        }
        masked.append({**column, "stats": stats})
    return masked


def validation_masked(validation: dict | None, flags: list[dict] | None) -> dict | None:
    """A validation report whose example values in flagged columns are masked."""
    kinds = _flag_kinds(flags)
    if not validation or not kinds or not validation.get("errors_by_kind"):
        return validation
    groups = []
    for group in validation["errors_by_kind"]:
        kind = kinds.get(group.get("column"))
        if kind is not None:
            group = {
                **group,
                "examples": [
                    {**example, "value": _mask(example.get("value"), kind)}
                    for example in group.get("examples") or []
                ],
            }
        groups.append(group)
    return {**validation, "errors_by_kind": groups}


def report_masked(report: dict | None) -> dict | None:
    """A stored report (``IngestReport.as_dict()``) as the staff see it: every value shown of a
    column flagged as personal data is masked, in the column statistics as in the validation
    examples, as it already is in the personal-data section."""
    if not report:
        return report
    flags = report.get("personal_data")
    if not _flag_kinds(flags):
        return report
    return {
        **report,
        "columns": columns_masked(report.get("columns") or [], flags),
        "validation": validation_masked(report.get("validation"), flags),
    }


def waited_issue(other: str, name: str) -> dict:
    return {
        "severity": "info",
        "code": "waited_for_other_ingestion",
        "file": name,
        "line": None,
        "column": None,
        "message_fr": f"Cette ingestion a attendu la fin d'une autre ingestion du même jeu de données "
        f"({other}), puis a comparé le fichier à la version que celle-ci a laissée.",
        "message_en": f"This ingestion waited for another ingestion of the same dataset to end "
        f"({other}), then compared the file with the version it left.",
        "hint_fr": None,
        "hint_en": None,
    }


def released_warning(columns: list[str], name: str) -> dict:
    listed = ", ".join(f"« {c} »" for c in columns)
    return {
        "severity": "warning",
        "code": "type_override_released",
        "file": name,
        "line": None,
        "column": None,
        "message_fr": f"Type imposé retiré pour {listed} : la prochaine version sera typée "
        "d'après son contenu.",
        "message_en": f"Forced type removed for {listed}: the next version will be typed from "
        "its content.",
        "hint_fr": "Corrigez les valeurs signalées puis imposez de nouveau le type si besoin.",
        "hint_en": "Fix the values reported, then force the type again if needed.",
    }
