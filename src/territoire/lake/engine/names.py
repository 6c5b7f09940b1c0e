"""Column identifiers: safe, unique, ASCII snake_case names for Parquet and SQL.

The original header label is always kept next to the identifier (``ColumnInfo.label``); the
identifier only has to be stable, readable and safe:

- dBase/Shapefile field descriptors (``Nom,C,254``, ``Id,N,9,0``, ``DDEBUT,D``) lose their
  type/width suffix;
- accents are stripped (``Libellé`` → ``libelle``), other characters become ``_``, the result
  is lower case; Unicode digits such as subscripts become ASCII (``id_proche₁`` → ``id_proche1``);
- an empty label becomes ``colonne_<n>`` (its 1-based position), a label starting with a digit
  gets a ``c_`` prefix, and reserved names (``__line__``, ``rowid``) are avoided;
- collisions are numbered in order of appearance: ``nom``, ``nom_2``, ``nom_3``.
"""

from __future__ import annotations

import re
import unicodedata

# dBase field descriptor: NAME,TYPE[,LENGTH[,DECIMALS]] with the dBase type letters.
_DBASE = re.compile(r"^\s*([^,]+?)\s*,\s*[CNFLDMTBIGOY@+]\s*(,\s*\d+\s*){0,2}$", re.IGNORECASE)
_RESERVED = {"__line__", "rowid", "raw", "raw_data"}
MAX_LENGTH = 63


def clean_dbase_label(label: str) -> str:
    """``Nom,C,254`` → ``Nom``; any other label is returned unchanged."""
    m = _DBASE.match(label or "")
    return m.group(1) if m else label


def to_identifier(label: str) -> str:
    """ASCII snake_case form of one label (may be empty)."""
    text = clean_dbase_label(label or "")
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        if ch.isascii():
            out.append(ch)
        elif ch.isdigit():  # subscripts, superscripts, other scripts' digits
            out.append(str(unicodedata.digit(ch, 0)))
        elif ch in "œŒ":
            out.append("oe")
        elif ch in "æÆ":
            out.append("ae")
        elif ch == "ß":
            out.append("ss")
        else:
            out.append("_")
    text = "".join(out)
    # camelCase → camel_case, so "nomAttribuant" reads "nom_attribuant"
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    return text[:MAX_LENGTH].rstrip("_")


def make_identifiers(labels: list[str]) -> list[str]:
    """Unique identifiers for a header, in order."""
    seen: set[str] = set()
    result = []
    for position, label in enumerate(labels, start=1):
        base = to_identifier(label)
        if not base:
            base = f"colonne_{position}"
        elif base[0].isdigit():
            base = f"c_{base}"
        if base in _RESERVED:
            base = f"{base.strip('_')}_col"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen.add(candidate)
        result.append(candidate)
    return result
