"""Issues found while reading a file, and the error that carries them.

An :class:`Issue` always says what is wrong (``message_fr``/``message_en``) and, when the engine
knows it, where (``file``, ``line``, ``column``) and what to do (``hint_fr``/``hint_en``).
Codes are stable: the back-office and the CLI's ``--json`` report key on them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from territoire.core.errors import SourceFileError

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass
class Issue:
    severity: str  # "error" | "warning" | "info"
    code: str
    message_fr: str
    message_en: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    hint_fr: str | None = None
    hint_en: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class IngestError(SourceFileError):
    """Ingestion failed; ``issues`` says why (at least one has severity ``error``)."""

    code = "ingest_failed"

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        first = next((i for i in self.issues if i.severity == ERROR), None)
        if first is None:  # defensive: an error without an error issue is still an error
            first = Issue(ERROR, "ingest_failed", "Échec de l'ingestion.", "Ingestion failed.")
            self.issues.insert(0, first)
        where = None
        if first.file or first.line or first.column:
            parts = [first.file or ""]
            if first.line:
                parts.append(f"ligne {first.line}")
            if first.column:
                parts.append(f"colonne « {first.column} »")
            where = ", ".join(p for p in parts if p)
        super().__init__(first.message_fr, first.message_en, where=where)

    def as_dict(self) -> dict:
        data = super().as_dict()
        data["issues"] = [i.as_dict() for i in self.issues]
        return data


def error(code: str, fr: str, en: str, **where) -> Issue:
    return Issue(ERROR, code, fr, en, **where)


def warning(code: str, fr: str, en: str, **where) -> Issue:
    return Issue(WARNING, code, fr, en, **where)


def info(code: str, fr: str, en: str, **where) -> Issue:
    return Issue(INFO, code, fr, en, **where)
