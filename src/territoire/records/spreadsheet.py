"""Cells that a spreadsheet would run as formulas, made inert (CSV and formula injection).

A spreadsheet opening a CSV reads a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(…)``, DDE ``=cmd|' /C calc'!A0``), and a tab or carriage return before one of them
is skipped by some. Following OWASP's advice on CSV injection, such a cell of a *text* column
(and such a header) is written with a single quote before it: the spreadsheet then shows it as
text. Values typed as numbers, dates or booleans are not text and are never changed: a negative
amount stays a number. The CSV exports take ``raw=true`` to write text exactly as stored (for
programs, not spreadsheets); XLSX writes every text as a string cell marked "quote prefix",
never as a formula, so nothing there is lost or changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from .columns import ResultColumn

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGERS_SQL = "'=', '+', '-', '@', chr(9), chr(13)"


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read this text as a formula."""
    return text.startswith(TRIGGERS)


def neutral(text: str) -> str:
    """The text with a single quote before it when a spreadsheet could run it."""
    return "'" + text if text.startswith(TRIGGERS) else text


def neutral_row(row: dict) -> dict:
    """A row of a CSV written from objects (proposals, reports): every text cell made inert."""
    return {key: neutral(value) if isinstance(value, str) else value for key, value in row.items()}


def is_free_text(column: ResultColumn) -> bool:
    """A column whose values are text people wrote (not a number, date, position or range
    bucket written by the engine)."""
    return column.type == "text" and column.range_width is None


def text_positions(columns: Sequence[ResultColumn]) -> frozenset[int]:
    return frozenset(i for i, c in enumerate(columns) if is_free_text(c))


def neutral_sql(value_sql: str) -> str:
    """SQL for ``neutral`` of a text expression (NULL stays NULL). A list lookup, not ``IN
    (…)``: DuckDB plans an IN list as a hash join, one for each use, and a CSV line uses this
    several times per text column (an export of the 8-column benchmark table held 28 MB of hash
    tables: three at once failed within a web process's 128-MB memory limit)."""
    return (
        f"CASE WHEN list_contains([{_TRIGGERS_SQL}], left({value_sql}, 1)) "
        f"THEN '''' || {value_sql} ELSE {value_sql} END"
    )
