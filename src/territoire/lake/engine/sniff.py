"""What is this file? A first look at its bytes, text encoding, CSV dialect and header row.

Content decides, the extension is only a hint: a ``.csv`` that is really an XLSX is read as
XLSX, and the report says the two disagree. :func:`probe` looks at the file once; each reader
of :mod:`.readers` then says from that :class:`Probe` whether the file is its format.

Encodings (``detect_encoding``), in this order:

1. a byte-order mark: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
2. UTF-16 without BOM, recognised by its zero bytes on every other position;
3. UTF-8 if the sample decodes as UTF-8 (an ASCII file is UTF-8);
4. otherwise Windows-1252 (CP1252), the superset of Latin-1 that French office software writes
   (``€``, ``œ``, ``’``); the five bytes CP1252 leaves undefined are read as Latin-1.

CSV dialect (``sniff_csv``): the delimiter is chosen among ``;`` tab ``|`` ``,`` by parsing the
sample with each and keeping the one that gives the most consistent number of fields (at least
two); ties go to tab, then ``;`` (French files use ``;`` because ``,`` is their decimal mark),
then ``|``, then ``,``. Quotes are ``"`` doubled to escape. Blank lines before the header are
skipped. The header row is detected by comparing the first row with the next ones: a first row
of text over columns of numbers or dates is a header; a first row holding numbers or dates
(other than year labels) is data, and columns are then named ``colonne_1``…
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 20  # 1 MiB of text is enough to sniff a dialect and a header
DELIMITERS = ("\t", ";", "|", ",")
# Used when a file has a single column, so that commas in values do not split it.
NO_DELIMITER = "\x1f"


@dataclass
class Probe:
    """What the readers' ``sniff`` functions look at: the first bytes of the file, its size, the
    last four bytes, the member names when it is a ZIP archive, and a decoded sample when it is
    text. Built once per file by :func:`probe`."""

    path: Path
    size: int
    head: bytes
    tail: bytes
    zip_members: list[str] | None = None  # None: not a ZIP archive
    encoding: str | None = None  # text encoding of the sample (None: binary)
    text: str = ""  # decoded sample, leading blanks and BOM removed

    @property
    def zip_lower(self) -> list[str]:
        return [n.lower() for n in self.zip_members or []]


class Refused(Exception):
    """The content is not something any reader takes (empty, truncated archive…)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def probe(path: Path) -> Probe:
    """Look at ``path`` once; raises :class:`Refused` for content no reader can take."""
    size = path.stat().st_size
    if size == 0:
        raise Refused("empty")
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
        fh.seek(max(0, size - 4))
        tail = fh.read(4)
    found = Probe(path=path, size=size, head=head, tail=tail)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                bad = zf.testzip()
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise Refused("truncated_zip", str(exc)) from exc
        if bad is not None:
            raise Refused("truncated_zip", f"membre corrompu : {bad}")
        found.zip_members = names
        return found
    found.encoding = detect_encoding(head)
    if found.encoding is not None:
        sample = _decode_sample(head, found.encoding)
        if not sample.strip(" \t\r\n\ufeff\x00"):
            raise Refused("empty")
        found.text = sample.lstrip(" \t\r\n\ufeff")
    return found


def json_kind(text: str) -> str:
    if re.search(r'"type"\s*:\s*"(FeatureCollection|Feature)"', text[:65536]):
        return "geojson"
    if text.startswith("{"):
        # NDJSON: the first line is a complete object and another object follows.
        first, _, rest = text.partition("\n")
        if first.rstrip().endswith("}") and rest.lstrip().startswith("{"):
            return "ndjson"
    return "json"


def _decode_sample(data: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(data, final=False)


def _looks_binary(data: bytes) -> bool:
    if not data:
        return False
    if b"\x00" in data:
        return True
    controls = sum(1 for b in data[:65536] if b < 32 and b not in (9, 10, 12, 13, 26))
    return controls > max(8, len(data[:65536]) // 100)


def detect_encoding(head: bytes) -> str | None:
    """Python codec name for a text sample, or None when it is binary (see module doc)."""
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:65536]
    if len(sample) >= 4:
        even_zero = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_zero = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_zero > 0.3 and even_zero < 0.05:
            return "utf-16-le"
        if even_zero > 0.3 and odd_zero < 0.05:
            return "utf-16-be"
    if _looks_binary(head):
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _cp1252_or_latin1(exc: UnicodeError):
    """Error handler: bytes CP1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) as Latin-1."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return bad.decode("latin-1"), exc.end


def _utf8_or_cp1252(exc: UnicodeError):
    """Error handler for files that are UTF-8 with some CP1252 bytes (edited in two tools)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return bad.decode("cp1252", errors="territoire-latin1"), exc.end


codecs.register_error("territoire-latin1", _cp1252_or_latin1)
codecs.register_error("territoire-cp1252", _utf8_or_cp1252)


def codec_errors(encoding: str) -> str:
    if encoding in ("cp1252", "windows-1252"):
        return "territoire-latin1"
    if encoding in ("utf-8", "utf8"):
        return "territoire-cp1252"
    return "strict"


# --- CSV dialect ---------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}([ .,\u00a0\u202f]\d{3})+)([.,]\d+)?([eE][+-]?\d+)?$")
_DATE = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2})([T ].*)?$"
)
_YEAR = re.compile(r"^(1[89]|20|21)\d\d$")


def value_kind(value: str) -> str:
    v = value.strip(" \t\u00a0\u202f")
    if not v:
        return "empty"
    if _NUMBER.match(v):
        return "number"
    if _DATE.match(v):
        return "date"
    return "text"


@dataclass
class CsvDialect:
    delimiter: str
    has_header: bool
    header: list[str]  # labels as in the file ("" for missing ones); colonne_n named later
    skip_lines: int  # physical lines before the first data row (blank lines + header)
    n_columns: int
    quoted_newlines: bool  # a quoted value spans lines in the sample


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', strict=False)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def _score(rows: list[list[str]]) -> tuple[float, int]:
    """(share of rows with the most common field count, that count); rows ending with empty
    fields (trailing delimiters) are also counted without them, and the better reading wins."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return 0.0, 0
    best = (0.0, 0)
    for counts in ([len(r) for r in rows], [len(_trim_trailing(r)) for r in rows]):
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        best = max(best, (counts.count(mode) / len(counts), mode))
    return best


def _trim_trailing(row: list[str]) -> list[str]:
    end = len(row)
    while end > 1 and row[end - 1] == "":
        end -= 1
    return row[:end] if end < len(row) else row


def _is_blank_line(line: str) -> bool:
    return not line.strip(" \t\r\n\ufeff;,|\x00")


def sniff_csv(text: str, *, delimiter: str | None = None, truncated: bool = True) -> CsvDialect:
    """Dialect of a decoded CSV sample (``truncated``: the sample stops mid-file)."""
    lines = text.split("\n")
    skip = 0
    while skip < len(lines) - 1 and _is_blank_line(lines[skip]):
        skip += 1
    body = "\n".join(lines[skip:])
    if truncated and "\n" in body:
        body = body[: body.rfind("\n") + 1]
    if delimiter is None:
        scored = []
        for priority, candidate in enumerate(DELIMITERS):
            rows = _records(body, candidate, 500)
            consistency, mode = _score(rows)
            if mode < 2:
                continue
            first = next((r for r in rows if any(c.strip() for c in r)), [])
            if mode not in (len(first), len(_trim_trailing(first))):
                consistency -= 0.5  # the header row does not split like the data
            scored.append((consistency, -priority, candidate))
        if scored:
            top = max(c for c, _p, _d in scored)
            # near-ties (a stray delimiter in a few rows) go to the usual French order
            delimiter = max((p, d) for c, p, d in scored if c >= top - 0.02)[1]
        else:
            delimiter = NO_DELIMITER
    rows = _records(body, delimiter, 2000)
    if truncated and len(rows) > 1:
        rows = rows[:-1]  # may be cut
    rows = [r for r in rows if any(c.strip() for c in r)] or [[""]]
    first = rows[0]
    has_header = _has_header(first, rows[1:200])
    if has_header:
        # the header decides; longer rows are reported (or read as trailing delimiters)
        n_columns = len(first)
    else:
        counts = [len(r) for r in rows]
        n_columns = max(set(counts), key=counts.count)
    header = (first + [""] * n_columns)[:n_columns] if has_header else [""] * n_columns
    header_lines = 0
    if has_header:
        # physical lines used by the header record (a quoted label may span lines)
        header_lines = _physical_lines_of_first_record(body, delimiter)
    quoted_newlines = any("\n" in c or "\r" in c for r in rows for c in r)
    return CsvDialect(
        delimiter=delimiter,
        has_header=has_header,
        header=[h.strip("\ufeff") for h in header],
        skip_lines=skip + header_lines,
        n_columns=n_columns,
        quoted_newlines=quoted_newlines,
    )


def _physical_lines_of_first_record(body: str, delimiter: str) -> int:
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, quotechar='"', strict=False)
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return 1
    return max(1, reader.line_num)


def _has_header(first: list[str], data: list[list[str]]) -> bool:
    if not data:
        return all(value_kind(v) in ("text",) for v in first if v.strip())
    header_votes = data_votes = 0
    for j, value in enumerate(first):
        kind = value_kind(value)
        column = [value_kind(r[j]) for r in data if j < len(r)]
        filled = [k for k in column if k != "empty"]
        if not filled:
            continue
        typed = sum(1 for k in filled if k in ("number", "date")) / len(filled)
        if kind == "text" and typed >= 0.5:
            header_votes += 1
        elif kind in ("number", "date") and not _YEAR.match(value.strip()):
            data_votes += 1
    return header_votes > 0 or data_votes == 0
