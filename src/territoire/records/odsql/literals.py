"""Reading literal values: dates with their period, geometry points, quoted strings, units."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re

_DATE = re.compile(
    r"""^\s*(?P<year>\d{4})
    (?:[-/](?P<month>\d{1,2})
      (?:[-/](?P<day>\d{1,2})
        (?:[T\s](?P<hour>\d{1,2})
          (?::(?P<minute>\d{2})
            (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6})\d*)?)?
          )?
        )?
      )?
    )?
    \s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)

PRECISIONS = ("year", "month", "day", "hour", "minute", "second", "microsecond")

# The integers the engine binds (DuckDB's HUGEINT, 128 bits): a literal outside them is the
# user's error (past them DuckDB refuses the parameter, which was a 500).
INTEGER_MIN, INTEGER_MAX = -(2**127), 2**127 - 1
LARGEST_NUMBER = 1e300  # beyond, a decimal literal is an overflow waiting to happen


def integer_out_of_range(value) -> LiteralError | None:
    """The error for a number literal the engine cannot hold (an integer past 64 bits, a
    decimal past 1e300 or not finite), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and INTEGER_MIN <= value <= INTEGER_MAX:
        return None
    if isinstance(value, float) and abs(value) <= LARGEST_NUMBER:
        return None
    return LiteralError(
        f"nombre hors limites : les entiers vont de {INTEGER_MIN} à {INTEGER_MAX}",
        f"number out of range: integers go from {INTEGER_MIN} to {INTEGER_MAX}",
    )


DISTANCE_UNITS = {
    "m": 1.0,
    "km": 1000.0,
    "mi": 1609.344,
    "yd": 0.9144,
    "ft": 0.3048,
    "cm": 0.01,
    "mm": 0.001,
}

# OpenDataSoft interval units for range(date_field, <n><unit>); case matters (m minute, M month).
INTERVAL_UNITS = {
    "ms": "millisecond", "millisecond": "millisecond", "milliseconds": "millisecond",
    "s": "second", "second": "second", "seconds": "second",
    "m": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "week": "week", "weeks": "week",
    "M": "month", "month": "month", "months": "month",
    "q": "quarter", "quarter": "quarter", "quarters": "quarter",
    "y": "year", "year": "year", "years": "year",
}  # fmt: skip


class LiteralError(ValueError):
    """A literal that cannot be read; carries a French and an English explanation."""

    def __init__(self, message_fr: str, message_en: str):
        super().__init__(message_en)
        self.message_fr = message_fr
        self.message_en = message_en


def parse_date(text: str) -> tuple[dt.datetime, dt.datetime, str]:
    """Read an ISO 8601 or YYYY/MM/DD date, possibly partial: (start, end, precision).

    The literal names a period: '2024' is the whole year, '2024-03' the month, and so on; ``end``
    is the first instant after it. With a UTC offset the datetimes are aware, otherwise naive.
    """
    match = _DATE.match(text)
    if not match:
        raise LiteralError(
            f"« {text} » n'est pas une date lisible : écrivez AAAA, AAAA-MM, AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SS",
            f"'{text}' is not a readable date: write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS",
        )
    parts = match.groupdict()
    precision = "year"
    values = {"year": int(parts["year"]), "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
    for name in ("month", "day", "hour", "minute", "second"):
        if parts[name] is None:
            break
        values[name] = int(parts[name])
        precision = name
    microsecond = 0
    if parts["fraction"]:
        microsecond = int(parts["fraction"].ljust(6, "0"))
        precision = "microsecond"
    tzinfo = _offset(parts["tz"]) if parts["tz"] else None
    try:
        start = dt.datetime(**values, microsecond=microsecond, tzinfo=tzinfo)
        end = period_end(start, precision)
    except (ValueError, OverflowError) as exc:
        raise LiteralError(
            f"« {text} » n'est pas une date valide ({exc})",
            f"'{text}' is not a valid date ({exc})",
        ) from exc
    return start, end, precision


def period_end(start: dt.datetime, precision: str) -> dt.datetime:
    """First instant after the period of the given precision that begins at ``start``."""
    if precision == "year":
        return start.replace(year=start.year + 1)
    if precision == "month":
        return (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
    if precision == "day":
        return start + dt.timedelta(days=1)
    if precision == "hour":
        return start + dt.timedelta(hours=1)
    if precision == "minute":
        return start + dt.timedelta(minutes=1)
    if precision == "second":
        return start + dt.timedelta(seconds=1)
    return start + dt.timedelta(microseconds=1)


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _offset(text: str) -> dt.tzinfo:
    if text.upper() == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


_WKT_POINT = re.compile(
    r"^\s*(?:SRID=4326;)?\s*POINT\s*\(\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s+([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)


def parse_point(text: str) -> tuple[float, float]:
    """Read geom'POINT(lon lat)' (WKT) or a GeoJSON Point: (lon, lat) in WGS 84 degrees."""
    lon = lat = None
    match = _WKT_POINT.match(text)
    if match:
        lon, lat = float(match.group(1)), float(match.group(2))
    elif text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
            if data.get("type") == "Point":
                lon, lat = (float(v) for v in data["coordinates"][:2])
        except (ValueError, TypeError, KeyError, AttributeError):
            pass
    if lon is None or lat is None:
        raise LiteralError(
            f"la géométrie « {text} » n'est pas un point : écrivez geom'POINT(longitude latitude)', "
            "par exemple geom'POINT(2.3522 48.8566)'",
            f"geometry '{text}' is not a point: write geom'POINT(longitude latitude)', "
            "for example geom'POINT(2.3522 48.8566)'",
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise LiteralError(
            f"le point ({lon} {lat}) est hors du globe : l'ordre est POINT(longitude latitude), "
            "longitude entre -180 et 180, latitude entre -90 et 90",
            f"point ({lon} {lat}) is off the globe: the order is POINT(longitude latitude), "
            "longitude within -180..180, latitude within -90..90",
        )
    return lon, lat


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unquote(token: str) -> str:
    """The value of a quoted string literal: quotes removed, backslash escapes resolved."""
    return _ESCAPE.sub(r"\1", token[1:-1])


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$")


def split_quantity(text: str) -> tuple[float, str]:
    match = _QUANTITY.match(text.strip())
    if not match:  # the grammar only lets well-formed quantities through
        raise LiteralError(f"« {text} » illisible", f"unreadable '{text}'")
    return float(match.group(1)), match.group(2)
