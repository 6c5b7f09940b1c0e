"""Excel workbooks: XLSX (and XLSM) and the older binary XLS, through calamine (:mod:`.sheets`).

calamine places the cells it reads (a declared ``<dimension>`` is not trusted: tools write
whole formatted columns there). Two cells at A1 and XFD1048576 make it ask for a dense sheet of
17 billion cells: the reading process's memory limit stops it at once (``reader_crashed``,
measured: under 2 s). The archive's uncompressed size is checked before it runs.
"""

from __future__ import annotations

import zipfile

from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult
from .sheets import read_sheet, too_large

MAX_XML_BYTES = 4 << 30  # uncompressed sheet XML
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_xlsx(found: Probe) -> bool:
    lower = found.zip_lower
    return "[content_types].xml" in lower and any(n.startswith("xl/") for n in lower)


def sniff_xls(found: Probe) -> bool:
    return found.head.startswith(OLE)


def _check_xlsx(ctx: ReadContext) -> None:
    with zipfile.ZipFile(ctx.source) as zf:
        total = sum(i.file_size for i in zf.infolist())
        if total > MAX_XML_BYTES:
            raise too_large(
                ctx.label,
                f"{total / 1e9:.1f} Go une fois décompressé",
                f"{total / 1e9:.1f} GB once decompressed",
            )


def read_xlsx(ctx: ReadContext) -> ReadResult:
    _check_xlsx(ctx)
    return read_sheet(ctx)


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
