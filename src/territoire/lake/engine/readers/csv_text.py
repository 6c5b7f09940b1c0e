"""CSV, TSV and TXT: any text file that is not JSON, read by DuckDB (see :mod:`..csvreader`).

The encoding is detected (or forced), the file is checked and hashed in the same pass as the
load (:mod:`..textfile`), and a file DuckDB cannot take as is is transcoded to UTF-8 first.
"""
# ruff: noqa: S608 - only fixed table names are interpolated below.

from __future__ import annotations

import codecs
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from ..csvreader import load_csv
from ..issues import IngestError, error, info
from ..sniff import SAMPLE_BYTES, Probe, sniff_csv
from ..textfile import display_encoding, from_scan, prepare, scan_utf8
from . import register
from .base import ReadContext, Reader, ReadResult, check_width


def sniff(found: Probe) -> bool:
    return found.encoding is not None and found.text[:1] not in ("[", "{")


def read(ctx: ReadContext) -> ReadResult:
    encoding = ctx.options.encoding or ctx.probe.encoding
    if encoding is None:  # pragma: no cover - sniff only accepts text
        raise IngestError([error("binary_file", "Contenu binaire.", "Binary content.")])
    _check_codec(encoding, ctx.label)
    text_file, ids, labels, issues, dialect = _load_text(ctx, encoding)
    if text_file.transcoded:
        text_file.path.unlink(missing_ok=True)
    issues = list(text_file.issues) + issues
    if encoding not in ("utf-8", "utf-8-sig") and not any(
        i.code == "encoding_detected" for i in issues
    ):
        issues.append(
            info(
                "encoding_detected",
                f"Encodage : {display_encoding(encoding)}.",
                f"Encoding: {display_encoding(encoding)}.",
                file=ctx.label,
            )
        )
    return ReadResult(
        ids,
        labels,
        issues,
        encoding=encoding,
        delimiter=dialect.delimiter if len(ids) > 1 else None,
        has_header=dialect.has_header,
        checksum=text_file.checksum,
        physical_lines=True,
    )


def _check_codec(encoding: str, label: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise IngestError(
            [
                error(
                    "unknown_encoding",
                    f"Encodage inconnu : « {encoding} ».",
                    f"Unknown encoding: '{encoding}'.",
                    file=label,
                    hint_fr="Exemples : utf-8, cp1252, latin-1, utf-16.",
                    hint_en="Examples: utf-8, cp1252, latin-1, utf-16.",
                )
            ]
        ) from exc


def _load_text(ctx: ReadContext, encoding: str):
    """Checksum, encoding check and DuckDB load of a text file.

    A UTF-8 file is loaded straight from the source while a worker thread hashes it and checks
    every byte (hashlib and DuckDB both release the GIL, so the two overlap); if the check finds
    something DuckDB cannot take as is (invalid UTF-8 further down, mixed line endings), the load
    is thrown away and redone from a cleaned UTF-8 copy. Other encodings are transcoded first.
    """
    con, source, label = ctx.con, ctx.source, ctx.label
    if encoding in ("utf-8", "utf-8-sig"):
        with ThreadPoolExecutor(max_workers=1) as pool:
            scan = pool.submit(scan_utf8, source)
            failure: BaseException | None = None
            result = None
            try:
                dialect = _dialect(ctx, source)

                def lines() -> int | None:
                    _checksum, problem, count, _quotes = scan.result()
                    return count if problem is None else None

                result = load_csv(con, source, dialect, label=label, total_lines=lines)
            except (IngestError, duckdb.Error) as exc:
                failure = exc
            text_file = from_scan(source, ctx.scratch, encoding, scan.result(), label=label)
        ctx.lap("checksum_read")
        if not text_file.transcoded:
            if failure is not None:
                raise failure
            if text_file.quotes % 2:
                _unclosed_quote(text_file.path, label)
            return (text_file, *result, dialect)
        for table in ("raw_data", "raw_data_lined", "csv_rejects", "csv_rejects_scan"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute("DROP VIEW IF EXISTS raw")
    else:
        text_file = prepare(source, ctx.scratch, encoding, label=label)
        ctx.lap("transcode")
    dialect = _dialect(ctx, text_file.path)
    if text_file.quotes % 2:
        _unclosed_quote(text_file.path, label)
    ids, labels, more = load_csv(
        con, text_file.path, dialect, label=label, total_lines=text_file.lines
    )
    return text_file, ids, labels, more, dialect


def _dialect(ctx: ReadContext, path: Path):
    with open(path, "rb") as fh:
        sample_bytes = fh.read(SAMPLE_BYTES)
    sample = sample_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
    truncated = len(sample_bytes) == SAMPLE_BYTES
    dialect = sniff_csv(sample, delimiter=ctx.options.delimiter, truncated=truncated)
    check_width(dialect.n_columns, ctx.limits, ctx.label)  # before DuckDB reads anything
    return dialect


def _unclosed_quote(path: Path, label: str) -> None:
    """An odd number of quotes: find the line of the quote that is never closed."""
    line = None
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        inside = False
        for number, text in enumerate(fh, start=1):
            if text.count('"') % 2:
                inside = not inside
                if inside:
                    line = number
        if not inside:
            line = None
    where_fr = f" (ligne {line})" if line else ""
    where_en = f" (line {line})" if line else ""
    raise IngestError(
        [
            error(
                "bad_quotes",
                f"Un guillemet ouvrant n'est jamais refermé{where_fr} : la suite du fichier "
                "serait lue comme une seule valeur.",
                f"An opening quote is never closed{where_en}: the rest of the file would be "
                "read as one value.",
                file=label,
                line=line,
                hint_fr="Fermez la valeur entre guillemets, ou doublez les guillemets à "
                'l\'intérieur des valeurs (""), puis rechargez.',
                hint_en='Close the quoted value, or double quotes inside values (""), then reload.',
            )
        ]
    )


register(
    Reader(
        format="csv",
        name="CSV",
        extensions=(".csv", ".tsv", ".txt", ".tab"),
        sniff=sniff,
        read=read,
        order=99,  # any text that no other reader claims
    )
)
