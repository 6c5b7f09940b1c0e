"""SQL checks for date, datetime and time values, matching how frictionless reads them.

- A `format` such as `%d/%m/%Y` is read by Python's `datetime.strptime`. We take the very regex
  Python builds for that format (`_strptime`), run it in DuckDB (RE2), and check the calendar
  (no 30 February) by building the date from the captured groups.
- `default` means ISO 8601 (`%Y-%m-%d` for dates; `YYYY-MM-DDThh:mm:ss[.f][Z|±hh[:mm]]` for
  datetimes, any single separator character, as dateutil's isoparse accepts).
- `any` is dateutil's free parser in frictionless; we accept the unambiguous forms French files use
  (ISO, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy/mm/dd, with an optional time). dateutil also takes
  English month names and free text: stricter here, documented in docs/schemas.md.
"""

from __future__ import annotations

import _strptime
import datetime
import re

from .patterns import _SPACE_CLASS
from .sqltext import sql_string

# Directives DuckDB's strptime reads like Python's (checked in tests/test_types.py); %y is not
# (century pivot), nor %z (no "Z"), so formats using them take the regex-extract path.
DUCKDB_SAFE_DIRECTIVES = set("dmYHMSfbBpI%")
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
ISO_TIME = r"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:[.,]\d+)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?"
ISO_DATETIME = r"(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})." + ISO_TIME
ANY_DATE_FORMS = [
    r"(?P<Y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",
    r"(?P<Y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<Y>\d{4})",
    r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
]
ANY_TIME_SUFFIX = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?)?"


def group(name: str) -> str:
    """DuckDB struct keys ignore case, Python's group names do not (%m month, %M minute)."""
    return name.lower() + ("_u" if name.isupper() else "_l")


def rename_groups(regex: str) -> str:
    return re.sub(r"\(\?P<([A-Za-z])>", lambda m: f"(?P<{group(m.group(1))}>", regex)


def extract(v: str, regex: str, names: list[str]) -> str:
    keys = [group(name) for name in names]
    return f"regexp_extract({v}, {sql_string('^(?:' + rename_groups(regex) + ')$')}, {keys!r})"


def strptime_regex(fmt: str) -> tuple[str, list[str]]:
    """RE2 regex Python's strptime uses for this format, and its group names."""
    pattern = _strptime._TimeRE_cache.pattern(fmt)
    # Leap seconds 60/61 pass the regex but datetime() refuses them.
    pattern = pattern.replace("(?P<S>6[0-1]|[0-5]\\d|\\d)", "(?P<S>[0-5]\\d|\\d)")
    pattern = pattern.replace("\\s+", "[" + _SPACE_CLASS + "]+")
    groups = []
    marker = "(?P<"
    start = pattern.find(marker)
    while start != -1:
        end = pattern.index(">", start)
        groups.append(pattern[start + len(marker) : end])
        start = pattern.find(marker, end)
    return "(?i)" + pattern, groups


def _year_sql(parts: str, groups: list[str]) -> str:
    if "Y" in groups:
        return f"TRY_CAST({parts}.y_u AS INTEGER)"
    if "y" in groups:
        # Python's pivot: 69-99 -> 1900s, 00-68 -> 2000s
        year = f"TRY_CAST({parts}.y_l AS INTEGER)"
        return f"(CASE WHEN {year} < 69 THEN 2000 + {year} ELSE 1900 + {year} END)"
    return "1900"


def _month_sql(parts: str, groups: list[str]) -> str:
    if "m" in groups:
        return f"TRY_CAST({parts}.m_l AS INTEGER)"
    for name in ("b", "B"):
        if name in groups:
            cases = " ".join(
                f"WHEN '{abbr}' THEN {number}" for number, abbr in enumerate(MONTHS, start=1)
            )
            return f"(CASE left(lower({parts}.{group(name)}), 3) {cases} END)"
    return "1"


def _date_from_parts(parts: str, groups: list[str]) -> str:
    year = _year_sql(parts, groups)
    month = _month_sql(parts, groups)
    day = f"TRY_CAST(trim({parts}.d_l) AS INTEGER)" if "d" in groups else "1"
    return f"(CASE WHEN {year} >= 1 THEN try(make_date({year}, {month}, {day})) END)"


def _time_from_parts(parts: str, groups: list[str]) -> str:
    hour = f"TRY_CAST({parts}.h_u AS INTEGER)" if "H" in groups else "0"
    if "I" in groups:
        hour12 = f"TRY_CAST({parts}.i_u AS INTEGER)"
        if "p" in groups:
            hour = f"(({hour12} % 12) + CASE WHEN lower({parts}.p_l) = 'pm' THEN 12 ELSE 0 END)"
        else:
            hour = hour12
    minute = f"TRY_CAST({parts}.m_u AS INTEGER)" if "M" in groups else "0"
    second = f"TRY_CAST({parts}.s_u AS DOUBLE)" if "S" in groups else "0"
    return f"try(make_time({hour}, {minute}, {second}))"


class DateTimeSql:
    """`valid` (SQL boolean) and `value` (typed SQL expression) for one field over expression v."""

    def __init__(self, field_type: str, fmt: str, v: str):
        self.field_type = field_type
        self.format = fmt
        self.v = v
        if fmt == "any":
            self.valid, self.value = self._any()
        elif fmt == "default" and field_type != "date":
            self.valid, self.value = self._iso()
        else:
            self.valid, self.value = self._strptime("%Y-%m-%d" if fmt == "default" else fmt)

    def _strptime(self, fmt: str) -> tuple[str, str]:
        regex, groups = strptime_regex(fmt)
        shape = f"regexp_full_match({self.v}, {sql_string(regex)})"
        if fmt == "%Y-%m-%d" and self.field_type == "date":
            # The common case, fast: a value DuckDB reads as a date and writes back unchanged is a
            # canonical YYYY-MM-DD (no regex). Others ("2020-1-5", "2020-01- 5": Python's %d
            # takes a space-padded day) get Python's regex for the shape and the cast for the
            # calendar; year 0000 does not exist for Python.
            cast = f"TRY_CAST({self.v} AS DATE)"
            canonical = f"CAST({cast} AS VARCHAR) = {self.v}"
            padded = f"TRY_CAST(replace({self.v}, '- ', '-') AS DATE)"
            slow = f"({shape} AND NOT starts_with({self.v}, '0000') AND {padded} IS NOT NULL)"
            return (
                f"(CASE WHEN {canonical} THEN TRUE ELSE {slow} END)",
                f"(CASE WHEN {canonical} THEN {cast} ELSE {padded} END)",
            )
        if set(re.findall(r"%(.)", fmt)) <= DUCKDB_SAFE_DIRECTIVES:
            # DuckDB's strptime reads every value Python's does for these directives (and more,
            # which the shape regex refuses): one regex and one parse per value.
            parsed = f"try_strptime({self.v}, {sql_string(fmt)})"
            cast = {"date": "DATE", "time": "TIME", "datetime": "TIMESTAMP"}[self.field_type]
            return f"({shape} AND {parsed} IS NOT NULL)", f"CAST({parsed} AS {cast})"
        parts = extract(self.v, regex, groups)
        date = _date_from_parts(parts, groups)
        time = _time_from_parts(parts, groups)
        if self.field_type == "date":
            value = date
        elif self.field_type == "time":
            value = time
        else:
            value = f"({date} + {time})"
        needs_date = self.field_type != "time" or any(g in groups for g in "YymdbBj")
        checks = [shape]
        if needs_date and "j" not in groups:
            checks.append(f"{date} IS NOT NULL")
        return "(" + " AND ".join(checks) + ")", value

    def _iso(self) -> tuple[str, str]:
        if self.field_type == "datetime":
            regex = ISO_DATETIME
            parts = extract(self.v, regex, ["Y", "m", "d", "H", "M", "S"])
            date = f"try(make_date(TRY_CAST({parts}.y_u AS INTEGER), TRY_CAST({parts}.m_l AS INTEGER), TRY_CAST({parts}.d_l AS INTEGER)))"
        else:
            regex = ISO_TIME
            parts = extract(self.v, regex, ["H", "M", "S"])
            date = "DATE '2000-01-01'"
        hour, minute, second = (f"TRY_CAST({parts}.{group(g)} AS INTEGER)" for g in "HMS")
        # isoparse accepts 24:00:00 (midnight of the next day)
        time_ok = f"(({hour} < 24 AND {minute} < 60 AND {second} < 60) OR ({hour} = 24 AND {minute} = 0 AND {second} = 0))"
        shape = f"regexp_full_match({self.v}, {sql_string(regex)})"
        valid = f"({shape} AND {date} IS NOT NULL AND {time_ok})"
        time = f"try(make_time(least({hour}, 23), {minute}, {second}))"
        value = f"({date} + {time})" if self.field_type == "datetime" else time
        return valid, value

    def _any(self) -> tuple[str, str]:
        checks, values = [], []
        for form in ANY_DATE_FORMS:
            regex = form + (ANY_TIME_SUFFIX if self.field_type != "time" else "")
            parts = extract(self.v, regex, ["Y", "m", "d"])
            year, month, day = (f"TRY_CAST({parts}.{group(g)} AS INTEGER)" for g in "Ymd")
            date = f"coalesce(try(make_date({year}, {month}, {day})), try(make_date({year}, {day}, {month})))"
            checks.append(
                f"(regexp_full_match({self.v}, {sql_string(regex)}) AND {date} IS NOT NULL)"
            )
            values.append(f"WHEN regexp_full_match({self.v}, {sql_string(regex)}) THEN {date}")
        if self.field_type == "time":
            regex = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[aApP][mM])?"
            return (
                f"regexp_full_match({self.v}, {sql_string(regex)})",
                f"TRY_CAST({self.v} AS TIME)",
            )
        return "(" + " OR ".join(checks) + ")", "(CASE " + " ".join(values) + " END)"


def parse_literal(field_type: str, fmt: str, value) -> str | None:
    """A constraint value (minimum, enum…) as an SQL literal of the field's type, or None."""
    if value is None:
        return None
    text = str(value)
    parsed = None
    formats = [fmt] if fmt not in ("default", "any") else []
    formats += {
        "date": ["%Y-%m-%d"],
        "datetime": ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        "time": ["%H:%M:%S", "%H:%M"],
    }[field_type]
    for candidate in formats:
        try:
            parsed = datetime.datetime.strptime(text, candidate)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
    if field_type == "date":
        return f"DATE '{parsed.date().isoformat()}'"
    if field_type == "time":
        return f"TIME '{parsed.time().isoformat()}'"
    return f"TIMESTAMP '{parsed.replace(tzinfo=None).isoformat(sep=' ')}'"
