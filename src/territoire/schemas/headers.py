"""Pair the file's columns with the schema's fields, and say what is missing, extra or misnamed.

Columns are paired by name first, never blindly by position: a column missing from the middle of
the file costs one "missing-label" error, not a type error in every following cell (what
frictionless' positional `fieldsMatch: exact` reports). Then a label that is the field name up to
case, accents, spaces or punctuation (or the field's title) is paired with it and reported as
"incorrect-label" with the name to use. Under `exact` (the default) columns in another order than
the schema's are reported, and a column without header where the schema expects a field left
unpaired is that field. A column with another name is never guessed from its position: it is
"extra-label", and the field "missing-label" (frictionless pairs them by position and checks the
cells against the wrong field).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

# dBase/Shapefile exports write the field type after the name: "Nom,C,254", "DDEBUT,D"
DBASE_SUFFIX = re.compile(r",\s*[CNDLFM](?:,\s*\d+){0,2}\s*$", re.IGNORECASE)


@dataclass
class Pairing:
    field: dict
    field_position: int  # 1-based position in the schema
    column_id: str
    label: str
    position: int  # 1-based position in the file


@dataclass
class HeaderIssue:
    kind: str  # frictionless error type
    rule: str
    column: str | None  # field name, or label when no field
    label: str | None = None
    position: int | None = None
    expected: str | None = None
    suggestion: str | None = None
    details: dict = field(default_factory=dict)


@dataclass
class HeaderResult:
    pairings: list[Pairing]
    issues: list[HeaderIssue]
    extra_columns: list[dict]  # file columns paired with no field (still count for blank rows)


def normalize_label(text: str) -> str:
    """ "Date début " -> "date_debut": what a person would consider the same name."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^0-9a-z]+", "_", text)
    return text.strip("_")


def match_headers(
    fields: list[dict],
    columns: list[dict],
    *,
    fields_match: str = "exact",
    primary_key: list[str] | None = None,
) -> HeaderResult:
    primary_key = primary_key or []
    issues: list[HeaderIssue] = []
    by_name = {f["name"]: (i, f) for i, f in enumerate(fields, start=1)}
    paired: dict[int, Pairing] = {}  # column index (0-based) -> pairing
    taken: set[str] = set()
    seen_labels: dict[str, int] = {}

    # 1. exact names (first occurrence wins; later duplicates are reported)
    for index, column in enumerate(columns):
        # frictionless strips labels: "long " is the field "long"
        label = "" if column.get("label") is None else str(column["label"]).strip()
        if label and label in seen_labels:
            issues.append(
                HeaderIssue(
                    "duplicate-label",
                    "duplicate",
                    label,
                    label=label,
                    position=index + 1,
                    details={"first_position": seen_labels[label]},
                )
            )
            continue
        seen_labels.setdefault(label, index + 1)
        if label in by_name and label not in taken:
            position, spec = by_name[label]
            paired[index] = Pairing(
                spec, position, column["id"], str(column.get("label")), index + 1
            )
            taken.add(label)

    duplicates = {issue.position for issue in issues if issue.kind == "duplicate-label"}
    free_columns = [i for i in range(len(columns)) if i not in paired and (i + 1) not in duplicates]
    free_fields = [f for f in fields if f["name"] not in taken]

    # 2. the same name up to case, accents, spaces and punctuation, or the field's title
    for index in list(free_columns):
        label = str(columns[index].get("label") or "")
        keys = {normalize_label(label), normalize_label(DBASE_SUFFIX.sub("", label))} - {""}
        if not keys:
            continue
        candidates = [
            f
            for f in free_fields
            if keys & {normalize_label(f["name"]), normalize_label(f.get("title") or "")}
        ]
        if len(candidates) == 1:
            spec = candidates[0]
            position = by_name[spec["name"]][0]
            paired[index] = Pairing(spec, position, columns[index]["id"], label, index + 1)
            free_columns.remove(index)
            free_fields.remove(spec)
            issues.append(
                HeaderIssue(
                    "incorrect-label",
                    "close-name",
                    spec["name"],
                    label=label,
                    position=index + 1,
                    expected=spec["name"],
                    suggestion=spec["name"],
                )
            )

    # 3. exact mode: a column without header where the schema expects an unpaired field is that
    # field (as frictionless pairs it). A column with another name is not guessed from its place.
    if fields_match == "exact":
        for index in list(free_columns):
            label = str(columns[index].get("label") or "")
            if not label.strip() and index < len(fields) and fields[index] in free_fields:
                spec = fields[index]
                paired[index] = Pairing(spec, index + 1, columns[index]["id"], label, index + 1)
                free_columns.remove(index)
                free_fields.remove(spec)
                issues.append(
                    HeaderIssue(
                        "blank-label",
                        "position",
                        spec["name"],
                        label=label,
                        position=index + 1,
                        expected=spec["name"],
                    )
                )
        issues.extend(_order_issues(sorted(paired.values(), key=lambda p: p.position)))

    # 4. what is left: fields without a column, columns without a field
    tolerate_missing = fields_match in {"superset", "partial"}
    tolerate_extra = fields_match in {"subset", "partial"}
    for spec in free_fields:
        required = bool(spec.get("constraints", {}).get("required")) or spec["name"] in primary_key
        if tolerate_missing and not required:
            continue
        close = _close_label(
            spec["name"], [str(columns[i].get("label") or "") for i in free_columns]
        )
        issues.append(
            HeaderIssue(
                "missing-label",
                "missing",
                spec["name"],
                expected=spec["name"],
                suggestion=close,
                details={"required": required},
            )
        )
    extra_columns = [columns[i] for i in free_columns]
    if not tolerate_extra:
        for index in free_columns:
            label = str(columns[index].get("label") or "")
            close = _close_label(label, [f["name"] for f in free_fields])
            issues.append(
                HeaderIssue(
                    "blank-label" if not label.strip() else "extra-label",
                    "extra",
                    label,
                    label=label,
                    position=index + 1,
                    suggestion=close,
                )
            )
    if fields_match == "partial" and fields and not paired:
        issues.append(HeaderIssue("unmatched-header", "unmatched", None))
    pairings = sorted(paired.values(), key=lambda p: p.position)
    return HeaderResult(pairings=pairings, issues=issues, extra_columns=extra_columns)


def _close_label(name: str, candidates: list[str]) -> str | None:
    keys = {normalize_label(c): c for c in candidates if c}
    found = difflib.get_close_matches(normalize_label(name), list(keys), n=1, cutoff=0.8)
    return keys[found[0]] if found else None


def _order_issues(pairings: list[Pairing]) -> list[HeaderIssue]:
    """Columns outside the longest run already in schema order are the ones to move."""
    positions = [p.field_position for p in pairings]
    keep = _longest_increasing(positions)
    issues = []
    for index, pairing in enumerate(pairings):
        if index not in keep:
            issues.append(
                HeaderIssue(
                    "incorrect-label",
                    "order",
                    pairing.field["name"],
                    label=pairing.label,
                    position=pairing.position,
                    details={"schema_position": pairing.field_position},
                )
            )
    return issues


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (O(n log n))."""
    import bisect

    tails: list[int] = []  # values
    tails_index: list[int] = []
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        slot = bisect.bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tails_index.append(i)
        else:
            tails[slot] = value
            tails_index[slot] = i
        previous[i] = tails_index[slot - 1] if slot else -1
    result: set[int] = set()
    i = tails_index[-1] if tails_index else -1
    while i != -1:
        result.add(i)
        i = previous[i]
    return result
