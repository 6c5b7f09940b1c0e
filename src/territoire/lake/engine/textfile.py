"""One streaming pass over a text file: checksum, encoding check, and UTF-8 copy when needed.

DuckDB's CSV reader wants UTF-8 with one kind of line ending. A file that already is (the
common case) is read in place: the pass only hashes it and checks that every byte is UTF-8 and
that line endings are consistent. Anything else (CP1252/Latin-1, UTF-16, a UTF-8 file with stray
CP1252 bytes, CRLF and LF mixed, old Mac CR endings, NUL bytes) is rewritten in the same pass
into a UTF-8, LF-only copy inside the work directory, in 8 MiB chunks: Python's codecs run at
hundreds of MB/s, and memory stays flat whatever the file size.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .issues import Issue, info, warning
from .sniff import codec_errors

CHUNK = 8 << 20


@dataclass
class TextFile:
    path: Path  # the file DuckDB reads: the source itself or a UTF-8 copy in the work directory
    checksum: str
    encoding: str  # encoding of the source
    transcoded: bool
    issues: list[Issue] = field(default_factory=list)
    lines: int | None = None  # physical lines (LF count, plus an unterminated last line)
    quotes: int = 0  # number of '"' characters: odd means a quoted value is never closed


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def prepare(source: Path, tmpdir: Path, encoding: str, *, label: str) -> TextFile:
    """Hash ``source`` and make sure DuckDB gets clean UTF-8 (see module doc)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return from_scan(source, tmpdir, encoding, scan_utf8(source), label=label)
    out = tmpdir / "source.utf8.csv"
    checksum, lines, quotes = _transcode(source, out, encoding)
    return TextFile(
        out,
        checksum,
        encoding,
        transcoded=True,
        lines=lines,
        quotes=quotes,
        issues=[
            info(
                "encoding_detected",
                f"Encodage détecté : {display_encoding(encoding)} (converti en UTF-8).",
                f"Detected encoding: {display_encoding(encoding)} (converted to UTF-8).",
                file=label,
            )
        ],
    )


def scan_utf8(source: Path) -> tuple:
    """(checksum, problem, lines, quotes) of a UTF-8 file; thread-safe, for a worker thread."""
    return _scan_utf8(source)


def from_scan(source: Path, tmpdir: Path, encoding: str, scan: tuple, *, label: str) -> TextFile:
    """The TextFile for a UTF-8 source once scanned: the source itself, or a cleaned copy."""
    checksum, problem, lines, quotes = scan
    if problem is None:
        return TextFile(source, checksum, encoding, transcoded=False, lines=lines, quotes=quotes)
    issues = []
    kind, line = problem
    if kind == "invalid_utf8":
        issues.append(
            warning(
                "mixed_encoding",
                f"Le fichier est en UTF-8 mais contient des caractères d'un autre encodage "
                f"(première occurrence ligne {line}) ; ils ont été lus en Windows-1252.",
                f"The file is UTF-8 but holds bytes of another encoding (first at line "
                f"{line}); they were read as Windows-1252.",
                file=label,
                line=line,
                hint_fr="Vérifiez les caractères accentués de cette ligne ; réenregistrez le "
                "fichier en UTF-8 pour éviter l'ambiguïté.",
                hint_en="Check accented characters on that line; save the file as UTF-8.",
            )
        )
    out = tmpdir / "source.utf8.csv"
    _checksum, lines, quotes = _transcode(source, out, encoding)
    return TextFile(
        out, checksum, encoding, transcoded=True, issues=issues, lines=lines, quotes=quotes
    )


def display_encoding(encoding: str) -> str:
    return {
        "cp1252": "Windows-1252 (Latin-1)",
        "utf-8-sig": "UTF-8 avec BOM",
        "utf-16": "UTF-16",
        "utf-16-le": "UTF-16 LE",
        "utf-16-be": "UTF-16 BE",
        "utf-32": "UTF-32",
    }.get(encoding, encoding)


def _scan_utf8(path: Path) -> tuple[str, tuple[str, int] | None, int, int]:
    """Checksum, and the first reason the file cannot go to DuckDB as is (with its line)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    problem = None
    lines = 1
    crlf = lf = cr = 0
    previous_cr = False
    quotes = 0
    last = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            last = chunk[-1:]
            if problem is not None:
                continue
            quotes += chunk.count(b'"')
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                problem = ("invalid_utf8", lines + chunk.count(b"\n", 0, exc.start))
                continue
            if b"\x00" in chunk:
                problem = ("nul", lines + chunk.count(b"\n", 0, chunk.index(b"\x00")))
                continue
            n_lf = chunk.count(b"\n")
            n_cr = chunk.count(b"\r")
            if n_cr:
                n_crlf = chunk.count(b"\r\n") + (1 if previous_cr and chunk[:1] == b"\n" else 0)
                crlf += n_crlf
                cr += n_cr
            lf += n_lf
            previous_cr = chunk[-1:] == b"\r"
            lines += n_lf
            if cr and (crlf != lf or cr != crlf) and not previous_cr:
                problem = ("newlines", lines)
    if problem is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problem = ("invalid_utf8", lines)
    if problem is None and cr and (crlf != lf or cr != crlf):
        problem = ("newlines", lines)
    total = lines - 1 + (1 if last and last != b"\n" else 0)
    return digest.hexdigest(), problem, total, quotes


def _transcode(source: Path, out: Path, encoding: str) -> tuple[str, int, int]:
    """Copy ``source`` to ``out`` as UTF-8 with LF line endings.

    Returns the source checksum, the number of lines and of quote characters."""
    digest = hashlib.sha256()
    codec = "utf-8-sig" if encoding == "utf-8-sig" else encoding
    decoder = codecs.getincrementaldecoder(codec)(errors=codec_errors(codec))
    pending = ""
    lines = quotes = 0
    last = ""
    with open(source, "rb") as src, open(out, "wb") as dst:
        while True:
            chunk = src.read(CHUNK)
            digest.update(chunk)
            text = pending + decoder.decode(chunk, final=not chunk)
            pending = ""
            if chunk and text.endswith("\r"):
                pending, text = "\r", text[:-1]
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            if "\x00" in text:
                text = text.replace("\x00", "")
            lines += text.count("\n")
            quotes += text.count('"')
            if text:
                last = text[-1]
            dst.write(text.encode("utf-8"))
            if not chunk:
                break
    return digest.hexdigest(), lines + (1 if last and last != "\n" else 0), quotes
