"""Spreadsheets (XLSX, XLS, ODS) through python-calamine, and the bounds checked before it runs.

calamine (Rust) reads the three formats with their typed cells. Measured here on the same
files (bench load 5–12, so only the ratios mean much): a generated XLSX of 200,000 rows × 8
columns took 45.4 s (78 MB) through openpyxl's streaming mode and 4.1 s (188 MB) through
calamine; an ODS of 100,000 rows × 5 took 13.6 s (359 MB) through the former hand-written XML
reader and 1.8 s (118 MB) through calamine, with the same values on the real Montpellier ODS
files (the old reader also read cell comments as values).

calamine builds the whole sheet in memory and expands repeated cells and ``<text:s text:c>``
spaces as told, so the expanded size is bounded *before* it runs: the ODS ``content.xml`` is
scanned once (:mod:`.ods`); for XLSX, calamine refuses more than 100 million cells itself and
the archive's uncompressed size is checked (:mod:`.xlsx`); and the reading process has memory
and time limits (:mod:`..isolation`).
"""

from __future__ import annotations

from collections.abc import Iterator

import python_calamine

from ..issues import IngestError, error
from .base import ReadContext, ReadResult, cell_text, load_rows, pick_sheet

# Non-empty cells a sheet may expand to (calamine keeps ~80 bytes per cell: ~1.6 GB), and
# characters that repeated spaces may add.
MAX_CELLS = 20_000_000
MAX_EXPANDED_CHARS = 50_000_000


def too_large(label: str, what_fr: str, what_en: str) -> IngestError:
    return IngestError(
        [
            error(
                "spreadsheet_too_large",
                f"Classeur refusé : {what_fr}, au-delà de ce qu'une feuille de données peut "
                "contenir ici.",
                f"Workbook refused: {what_en}, beyond what a data sheet may hold here.",
                file=label,
                hint_fr="Le fichier est probablement malformé ou piégé. Ouvrez-le dans un "
                "tableur, gardez la zone de données et enregistrez-le de nouveau (ou en CSV).",
                hint_en="The file is probably malformed or crafted. Open it in a spreadsheet, "
                "keep the data range and save it again (or as CSV).",
            )
        ]
    )


def bad_spreadsheet(label: str, exc: Exception) -> IngestError:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    if "cell limit exceeded" in text.lower():  # calamine's own bound on one sheet
        return too_large(label, f"la feuille demande trop de cellules ({text})", text)
    if type(exc).__name__ == "PasswordError":
        fr, en = "Classeur protégé par un mot de passe.", "Password-protected workbook."
    else:
        fr, en = f"Classeur illisible : {text}", f"Unreadable workbook: {text}"
    return IngestError(
        [
            error(
                "bad_spreadsheet",
                fr,
                en,
                file=label,
                hint_fr="Ouvrez-le dans un tableur et réenregistrez-le.",
                hint_en="Open it in a spreadsheet application and save it again.",
            )
        ]
    )


def read_sheet(ctx: ReadContext) -> ReadResult:
    """Read the chosen sheet with calamine."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(ctx.source))
        names = list(workbook.sheet_names)
    except Exception as exc:
        raise bad_spreadsheet(ctx.label, exc) from exc
    if not names:
        raise IngestError(
            [error("empty_file", "Le classeur ne contient aucune feuille.", "No sheet.")]
        )
    index = pick_sheet(names, ctx.options.sheet, ctx.label)
    try:
        sheet = workbook.get_sheet_by_index(index)
        ids, labels, issues = load_rows(ctx, _rows(sheet))
    except IngestError:
        raise
    except Exception as exc:
        raise bad_spreadsheet(ctx.label, exc) from exc
    finally:
        workbook.close()
    return ReadResult(ids, labels, issues, sheet=names[index])


def _rows(sheet) -> Iterator[tuple[int, list[str | None]]]:
    """(spreadsheet row number, values as text); calamine starts at the first used row."""
    first = (sheet.start or (0, 0))[0] + 1
    for offset, row in enumerate(sheet.iter_rows()):
        yield first + offset, [None if v == "" else cell_text(v) for v in row]
