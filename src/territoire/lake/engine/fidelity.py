"""What the report says about values read differently from how they are written, and where.

- Line numbers: ``__line__`` is the line where a record starts. In a CSV whose earlier values
  span several lines, the value of column *k* sits further down: :func:`value_line` adds the
  line breaks of the columns before it, so an issue names the line an editor shows (a
  ``0000-00-00`` at line 99 of a record that starts at line 93 is reported at line 99).
- Date placeholders (``0000-00-00 00:00:00``…, :data:`.patterns.DATE_PLACEHOLDERS`) are null
  in typed columns; for date columns the report counts them (:func:`placeholder_issues`).
- Identifiers a spreadsheet exported as numbers (``21860194600000.0``) get their digits back
  (:func:`restored_issues`).
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q(); no SQL text ever comes from users.

from __future__ import annotations

from dataclasses import dataclass

from .csvreader import quote_ident
from .issues import Issue, info
from .patterns import _INTEGRAL_FLOAT, DATE_PLACEHOLDERS, _is_in
from .sqlexpr import Decision


@dataclass
class Lines:
    """How to name the line of a value: ``physical`` for text files (line breaks in values
    move the next values down), otherwise ``__line__`` is the row (spreadsheets, JSON…)."""

    ids: list[str]
    physical: bool = False

    def of(self, col: str) -> str:
        """SQL for the line of the value of ``col`` in ``raw``."""
        if not self.physical or col not in self.ids:
            return "__line__"
        before = self.ids[: self.ids.index(col)]
        if not before:
            return "__line__"
        breaks = " + ".join(
            f"coalesce(length({quote_ident(c)}) - length(replace({quote_ident(c)}, chr(10), "
            "'')), 0)"
            for c in before
        )
        return f"(__line__ + {breaks})"


def _placeholder(col: str) -> str:
    c = f"trim({quote_ident(col)})"
    return f"({quote_ident(col)} LIKE '%00%' AND {_is_in(c, DATE_PLACEHOLDERS)})"


def placeholder_issues(
    con, decisions: dict[str, Decision], labels: dict[str, str], lines: Lines, file_label: str
) -> list[Issue]:
    """One notice per date column holding placeholder dates read as missing values."""
    cols = [c for c, d in decisions.items() if d.type in ("date", "datetime")]
    if not cols:
        return []
    parts = []
    for col in cols:
        parts.append(f"count_if({_placeholder(col)})")
        parts.append(f"min({lines.of(col)}) FILTER ({_placeholder(col)})")
        parts.append(f"min(trim({quote_ident(col)})) FILTER ({_placeholder(col)})")
    row = con.execute(f"SELECT {', '.join(parts)} FROM raw").fetchone()
    issues = []
    for k, col in enumerate(cols):
        count, line, example = row[3 * k : 3 * k + 3]
        if not count:
            continue
        label = labels[col]
        issues.append(
            info(
                "date_placeholders",
                f"La colonne « {label} » contient {count} date(s) fictive(s) (« {example} », "
                f"ligne {line}…) : elles sont lues comme des valeurs manquantes.",
                f"Column '{label}' holds {count} placeholder date(s) ('{example}', line "
                f"{line}…): they are read as missing values.",
                file=file_label,
                line=line,
                column=label,
            )
        )
    return issues


def restored_issues(
    con, decisions: dict[str, Decision], labels: dict[str, str], lines: Lines, file_label: str
) -> list[Issue]:
    """One notice per identifier column whose ``….0`` numbers got their digits back."""
    issues = []
    for col, d in decisions.items():
        if not d.params.get("integral_floats"):
            continue
        c = f"trim({quote_ident(col)})"
        count, line, example = con.execute(
            f"SELECT count(*), min({lines.of(col)}), min({c}) FROM raw "
            f"WHERE regexp_full_match({c}, '{_INTEGRAL_FLOAT}')"
        ).fetchone()
        if not count:
            continue
        digits = example.split(".")[0]
        label = labels[col]
        issues.append(
            info(
                "identifier_digits_restored",
                f"La colonne « {label} » contient {count} identifiant(s) exporté(s) comme "
                f"nombres (« {example} ») : les chiffres ont été rétablis (« {digits} »).",
                f"Column '{label}' holds {count} identifier(s) exported as numbers "
                f"('{example}'): their digits were restored ('{digits}').",
                file=file_label,
                line=line,
                column=label,
                hint_fr="Exportez la colonne au format texte à la source pour garder les "
                "zéros de tête éventuels.",
                hint_en="Export the column as text at the source to keep any leading zeros.",
            )
        )
    return issues
