"""date_format(field, 'dd/MM/yyyy'): OpenDataSoft's (Joda-style) date patterns, in DuckDB terms.

A pattern becomes a list of parts the compiler concatenates: strftime formats (bound as
parameters), ISO week numbers, and day or month names in the query's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from .literals import LiteralError

DAY_NAMES = {
    "fr": (
        ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
        ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    ),
    "en": (
        ["mon.", "tue.", "wed.", "thu.", "fri.", "sat.", "sun."],
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    ),
}
MONTH_NAMES = {
    "fr": (
        [
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        ],
        [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
    ),
    "en": (
        [
            "jan.",
            "feb.",
            "mar.",
            "apr.",
            "may",
            "jun.",
            "jul.",
            "aug.",
            "sep.",
            "oct.",
            "nov.",
            "dec.",
        ],
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
    ),
}


@dataclass(frozen=True)
class Part:
    kind: str  # "strftime" | "week" | "weekyear2" | "day_names" | "month_names"
    value: object = None


# letter -> {run length: strftime}; the longest run not above the actual length wins.
_STRFTIME = {
    "y": {1: "%Y", 2: "%y", 3: "%Y"},
    "Y": {1: "%Y", 2: "%y", 3: "%Y"},
    "x": {1: "%G", 3: "%G"},
    "e": {1: "%u"},
    "D": {1: "%-j", 2: "%j"},
    "M": {1: "%-m", 2: "%m"},
    "d": {1: "%-d", 2: "%d"},
    "H": {1: "%-H", 2: "%H"},
    "h": {1: "%-I", 2: "%I"},
    "a": {1: "%p"},
    "m": {1: "%-M", 2: "%M"},
    "s": {1: "%-S", 2: "%S"},
}


def translate(pattern: str, lang: str = "fr") -> list[Part]:
    """Parts of a date pattern. Raises LiteralError (with ``offset``) on an unknown letter."""
    names_lang = lang if lang in DAY_NAMES else "fr"
    parts: list[Part] = []
    buffer: list[str] = []

    def flush():
        if buffer:
            parts.append(Part("strftime", "".join(buffer)))
            buffer.clear()

    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = i + 1
            text = []
            while True:
                if end >= len(pattern):
                    raise _error(pattern, i, "apostrophe non fermée", "unclosed quote")
                if pattern[end] == "'":
                    if end + 1 < len(pattern) and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            buffer.append("".join(text).replace("%", "%%") if end > i + 1 else "'")
            i = end + 1
            continue
        if not char.isalpha():
            buffer.append("%%" if char == "%" else char)
            i += 1
            continue
        run = 1
        while i + run < len(pattern) and pattern[i + run] == char:
            run += 1
        if char == "E" or (char == "M" and run >= 3):
            flush()
            table = DAY_NAMES if char == "E" else MONTH_NAMES
            short, full = table[names_lang]
            parts.append(
                Part("day_names" if char == "E" else "month_names", full if run >= 4 else short)
            )
        elif char == "w":
            flush()
            parts.append(Part("week", run >= 2))
        elif char == "x" and run == 2:
            flush()
            parts.append(Part("weekyear2"))
        elif char in _STRFTIME and _STRFTIME[char]:
            table = _STRFTIME[char]
            buffer.append(table[max(k for k in table if k <= run)])
        else:
            raise _error(
                pattern,
                i,
                f"le symbole « {char} » n'est pas reconnu (yyyy, yy, MM, MMM, dd, HH, mm, ss, E, EEEE, w, D…)",
                f"symbol '{char}' is not recognised (yyyy, yy, MM, MMM, dd, HH, mm, ss, E, EEEE, w, D…)",
            )
        i += run
    flush()
    return parts


def _error(pattern: str, offset: int, fr: str, en: str) -> LiteralError:
    error = LiteralError(f"format de date « {pattern} » : {fr}", f"date format '{pattern}': {en}")
    error.offset = offset  # type: ignore[attr-defined]
    return error
