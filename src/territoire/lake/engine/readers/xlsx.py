"""Excel workbooks: XLSX (and XLSM) and the older binary XLS, through calamine (:mod:`.sheets`).

Before calamine builds a sheet, its declared size (``<dimension ref="A1:F200"/>``) and the
uncompressed size of its XML are checked, so that a tiny crafted file cannot ask for billions
of cells (calamine also refuses more than 100 million cells itself).
"""

from __future__ import annotations

import re
import zipfile

from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult
from .sheets import MAX_CELLS, read_sheet, too_large

MAX_XML_BYTES = 4 << 30  # uncompressed sheet XML
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_xlsx(found: Probe) -> bool:
    lower = found.zip_lower
    return "[content_types].xml" in lower and any(n.startswith("xl/") for n in lower)


def sniff_xls(found: Probe) -> bool:
    return found.head.startswith(OLE)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _check_xlsx(ctx: ReadContext, index: int) -> None:
    with zipfile.ZipFile(ctx.source) as zf:
        sheets = sorted(
            (i for i in zf.infolist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", i.filename)),
            key=lambda i: int(re.sub(r"\D", "", i.filename) or 0),
        )
        total = sum(i.file_size for i in zf.infolist())
        if total > MAX_XML_BYTES:
            raise too_large(
                ctx.label,
                f"{total / 1e9:.1f} Go une fois décompressé",
                f"{total / 1e9:.1f} GB once decompressed",
            )
        if index >= len(sheets):
            return
        with zf.open(sheets[index]) as fh:
            head = fh.read(4096)
    match = _DIMENSION.search(head)
    if not match or not match.group(3):
        return
    rows = int(match.group(4)) - int(match.group(2)) + 1
    cols = _column_number(match.group(3)) - _column_number(match.group(1)) + 1
    if rows * cols > MAX_CELLS:
        raise too_large(
            ctx.label,
            f"la feuille annonce {rows:,} lignes × {cols:,} colonnes".replace(",", " "),
            f"the sheet declares {rows:,} rows × {cols:,} columns",
        )


def read_xlsx(ctx: ReadContext) -> ReadResult:
    return read_sheet(ctx, check=lambda index: _check_xlsx(ctx, index))


def read_xls(ctx: ReadContext) -> ReadResult:
    return read_sheet(ctx)


register(
    Reader(
        format="xlsx",
        name="Excel (XLSX)",
        extensions=(".xlsx", ".xlsm"),
        sniff=sniff_xlsx,
        read=read_xlsx,
        order=10,
    )
)
register(
    Reader(
        format="xls",
        name="Excel 97-2003 (XLS)",
        extensions=(".xls",),
        sniff=sniff_xls,
        read=read_xls,
        order=10,
    )
)
