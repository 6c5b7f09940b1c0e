"""The search form of text, shared by the word index a version's serving file holds (built by the
lake at ingestion) and by the full-text queries that read it (the records engine): lower case,
accents and ligatures removed, split into words the same way on both sides.
"""

from __future__ import annotations

import unicodedata

LIGATURES = (("œ", "oe"), ("æ", "ae"))

# Words are what full-text search terms can be (letters, digits, - and _, see
# records.odsql.sqlgen.search_terms): a term found in a value is always inside one of these.
WORD_SPLIT = r"[^\p{L}\p{N}_-]+"


def normalized_sql(sql: str) -> str:
    """DuckDB SQL for the search form of the value of ``sql`` (an expression of our own: a quoted
    column name): lower case, accents and ligatures removed."""
    inner = f"strip_accents(lower(CAST({sql} AS VARCHAR)))"
    for ligature, plain in LIGATURES:
        inner = f"replace({inner}, '{ligature}', '{plain}')"
    return inner


def normalize_text(text: str) -> str:
    """Python twin of ``normalized_sql`` for search terms."""
    lowered = text.lower()
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn"
    )
    for ligature, plain in LIGATURES:
        stripped = stripped.replace(ligature, plain)
    return unicodedata.normalize("NFC", stripped)
