"""OpenDocument spreadsheets (ODS), through calamine (:mod:`.sheets`) after a bounds scan.

ODS compresses repetition: ``table:number-rows-repeated``, ``table:number-columns-repeated``
and ``<text:s text:c="N"/>`` (N spaces) make a few bytes stand for millions of cells or
characters. LibreOffice pads every sheet with repeated *empty* rows and cells, which cost
nothing; repeated cells *with a value* are expanded by any reader. So ``content.xml`` is
scanned once with expat (no tree, no expansion) and the sheet's expanded size — non-empty cells
× their repeats, characters added by ``text:s`` — is bounded before calamine runs. A DTD is
refused (LibreOffice never writes one; it is the door to entity-expansion attacks).
"""

from __future__ import annotations

import zipfile
from xml.parsers import expat

from ..sniff import Probe
from . import register
from .base import ReadContext, Reader, ReadResult
from .sheets import MAX_CELLS, MAX_EXPANDED_CHARS, read_sheet, too_large

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
MAX_XML_BYTES = 2 << 30  # uncompressed content.xml
CHUNK = 1 << 20


def sniff(found: Probe) -> bool:
    lower = found.zip_lower
    return "mimetype" in lower or "content.xml" in lower


class _Refuse(Exception):
    def __init__(self, fr: str, en: str):
        super().__init__(fr)
        self.fr, self.en = fr, en


class _Scan:
    """Expanded size of the workbook, from the parser's events (calamine parses every sheet
    of ``content.xml`` when it opens the file, so every sheet counts)."""

    def __init__(self):
        self.inside = False
        self.row_repeat = 1
        self.row_cells = 0  # non-empty cells of the current row, repeats included
        self.cell_repeat = 1
        self.cell_filled = False
        self.in_cell = False
        self.cells = 0
        self.chars = 0

    def start(self, name: str, attrs: dict) -> None:
        if name == f"{TABLE} table":
            self.inside = True
        if not self.inside:
            return
        if name == f"{TABLE} table-row":
            self.row_repeat = _count(attrs.get(f"{TABLE} number-rows-repeated"))
            self.row_cells = 0
        elif name in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            self.in_cell = True
            self.cell_repeat = _count(attrs.get(f"{TABLE} number-columns-repeated"))
            self.cell_filled = f"{OFFICE} value-type" in attrs
        elif self.in_cell and name == f"{TEXT} p":
            self.cell_filled = True
        elif self.in_cell and name == f"{TEXT} s":
            spaces = _count(attrs.get(f"{TEXT} c")) * self.cell_repeat * self.row_repeat
            self.chars += spaces
            if self.chars > MAX_EXPANDED_CHARS:
                raise _Refuse(
                    f"des espaces répétées demandent plus de {MAX_EXPANDED_CHARS:,} caractères",
                    f"repeated spaces ask for more than {MAX_EXPANDED_CHARS:,} characters",
                )

    def end(self, name: str) -> None:
        if not self.inside:
            return
        if name in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            self.in_cell = False
            if self.cell_filled:
                self.row_cells += self.cell_repeat
        elif name == f"{TABLE} table-row":
            self.cells += self.row_cells * self.row_repeat
            if self.cells > MAX_CELLS:
                raise _Refuse(
                    f"le classeur compte plus de {MAX_CELLS:,} cellules une fois les "
                    "répétitions développées",
                    f"the workbook holds more than {MAX_CELLS:,} cells once repeats are expanded",
                )
        elif name == f"{TABLE} table":
            self.inside = False


def _count(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _no_dtd(*_args) -> None:
    raise _Refuse(
        "il déclare une DTD, ce que LibreOffice ne fait jamais",
        "it declares a DTD, which LibreOffice never does",
    )


def check_content(path, label: str) -> None:
    """Refuse a workbook whose expanded size passes the bounds, before anything is expanded."""
    scan = _Scan()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    read = 0
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            while chunk := fh.read(CHUNK):
                read += len(chunk)
                if read > MAX_XML_BYTES:
                    raise _Refuse(
                        f"son contenu dépasse {MAX_XML_BYTES >> 30} Go une fois décompressé",
                        f"its content is over {MAX_XML_BYTES >> 30} GB once decompressed",
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refuse as exc:
        raise too_large(label, exc.fr.replace(",", " "), exc.en) from None
    except (KeyError, expat.ExpatError):
        return  # no content.xml or broken XML: calamine says what is wrong


def read(ctx: ReadContext) -> ReadResult:
    check_content(ctx.source, ctx.label)
    return read_sheet(ctx)


register(
    Reader(
        format="ods",
        name="OpenDocument (ODS)",
        extensions=(".ods",),
        sniff=sniff,
        read=read,
        order=11,
    )
)
