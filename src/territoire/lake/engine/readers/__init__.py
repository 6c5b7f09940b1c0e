"""The reader registry: one module per format family, each registering the formats it reads.

A reader says from a first look at the file (:class:`~territoire.lake.engine.sniff.Probe`)
whether the file is its format, and reads it into the DuckDB table ``raw_data`` (every column
VARCHAR, plus ``__line__``, the line or row of the source) and the view ``raw``. Everything
else — types, Parquet, statistics — is the same for every format (:mod:`..stage`).

Adding a format is one module in this package that calls :func:`register` (modules are found
and imported automatically) plus its test. Formats: :mod:`.csv_text` (CSV, TSV, TXT),
:mod:`.xlsx` (XLSX, XLS), :mod:`.ods`, :mod:`.json_records` (JSON, NDJSON), :mod:`.geojson`,
:mod:`.shapefile` (zipped), :mod:`.geopackage`, :mod:`.dbase`, :mod:`.parquet`; :mod:`.base`,
:mod:`.sheets` and :mod:`.spatial` hold what several of them share.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

from ..refusals import SIGNATURES, refusal
from ..sniff import Probe, Refused, probe
from .base import Reader, ReadResult

_REGISTRY: dict[str, Reader] = {}
_HELPERS = {"base", "sheets", "spatial"}


def register(reader: Reader) -> Reader:
    """Add a format; a second reader for the same format code is a programming error."""
    if reader.format in _REGISTRY:
        raise ValueError(f"format {reader.format!r} registered twice")
    _REGISTRY[reader.format] = reader
    return reader


def unregister(fmt: str) -> None:
    """Remove a format (tests that register one of their own)."""
    _REGISTRY.pop(fmt, None)


def readers() -> list[Reader]:
    """Every registered reader, in the order their ``sniff`` is asked."""
    return sorted(_REGISTRY.values(), key=lambda r: (r.order, r.format))


def reader_for(fmt: str) -> Reader:
    return _REGISTRY[fmt]


def format_name(fmt: str) -> str:
    return _REGISTRY[fmt].name if fmt in _REGISTRY else fmt


def extension_format(name: str) -> str | None:
    """The format a file name's extension announces (a hint: content decides)."""
    suffix = Path(name).suffix.lower()
    for reader in readers():
        if suffix in reader.extensions:
            return reader.format
    return None


def accepted() -> str:
    """« CSV, Excel (XLSX)… »: the formats, for messages."""
    names: list[str] = []
    for reader in readers():
        if reader.name not in names:
            names.append(reader.name)
    return ", ".join(names)


@dataclass
class Detected:
    format: str
    probe: Probe
    zip_members: list[str] = field(default_factory=list)


def detect(path: Path, *, label: str) -> Detected:
    """The format of ``path`` from its content; IngestError when no reader takes it."""
    announced = extension_format(label)
    announced_name = format_name(announced) if announced and announced != "csv" else None
    try:
        found = probe(path)
    except Refused as exc:
        raise refusal(
            exc.reason,
            label=label,
            detail=exc.detail,
            accepted=accepted(),
            announced=announced_name,
        ) from None
    for signature, reason in SIGNATURES:
        if found.head.startswith(signature):
            raise refusal(reason, label=label, accepted=accepted(), announced=announced_name)
    for reader in readers():
        answer = reader.sniff(found)
        if answer is True:
            return Detected(reader.format, found, found.zip_members or [])
        if answer:
            raise refusal(answer, label=label, accepted=accepted(), announced=announced_name)
    reason, detail = "binary", ""
    if found.zip_members is not None:
        reason, detail = "zip_unknown", ", ".join(found.zip_members[:10])
    raise refusal(reason, label=label, detail=detail, accepted=accepted(), announced=announced_name)


for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _HELPERS:
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "Detected",
    "ReadResult",
    "Reader",
    "accepted",
    "detect",
    "extension_format",
    "format_name",
    "reader_for",
    "readers",
    "register",
    "unregister",
]
