"""From DuckDB values to JSON-ready ones: {"lat","lon"} points, GeoJSON, ISO dates, floats."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import struct
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from ..columns import ResultColumn


def row_converter(
    columns: Sequence[ResultColumn], timezone: str = "UTC"
) -> Callable[[tuple], dict]:
    """A function turning one result tuple into a dict keyed by output name.

    Datetimes arrive as epoch microseconds (see compiler._output_sql) and leave as ISO 8601
    strings with the offset of ``timezone``.
    """
    tz = ZoneInfo(timezone)
    converters = [(c.name, _converter(c, tz)) for c in columns]

    def convert(row: tuple) -> dict:
        return {
            name: (None if value is None else fn(value))
            for (name, fn), value in zip(converters, row, strict=True)
        }

    return convert


def _converter(column: ResultColumn, tz: dt.tzinfo) -> Callable:
    ctype = column.type
    if column.range_width is not None:
        width = column.range_width
        return lambda v: f"{_number_text(v)}-{_number_text(v + width)}"
    return {
        "integer": _integer,
        "decimal": _decimal,
        "boolean": bool,
        "date": _iso,
        "datetime": lambda v: _datetime(v, tz),
        "geo_point": _point,
        "geometry": _geometry,
        "text": as_text,
    }.get(ctype, as_text)


def _integer(value):
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return int(value)


def _decimal(value):
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _iso(value):
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _datetime(value, tz: dt.tzinfo):
    if isinstance(value, int):
        return (_EPOCH + dt.timedelta(microseconds=value)).astimezone(tz).isoformat()
    return _iso(value)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _point(value):
    if isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
        if lat is None or lon is None:
            return None
        return {"lat": float(lat), "lon": float(lon)}
    return value


def _geometry(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return wkb_to_geojson(bytes(value))
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def as_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return _number_text(float(value))
    return str(value)


def _number_text(value) -> str:
    number = round(float(value), 10)
    if number.is_integer():
        return str(int(number))
    return repr(number)


# ---------------------------------------------------------------- WKB

_GEOJSON_TYPES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def wkb_to_geojson(data: bytes) -> dict:
    """Read ISO or extended WKB (2D, Z, M, ZM) into a GeoJSON geometry (M values dropped)."""
    geometry, _ = _read(memoryview(data), 0)
    return geometry


def _read(buf: memoryview, offset: int) -> tuple[dict, int]:
    order = "<" if buf[offset] == 1 else ">"
    offset += 1
    (code,) = struct.unpack_from(order + "I", buf, offset)
    offset += 4
    has_z = bool(code & 0x80000000)
    has_m = bool(code & 0x40000000)
    if code & 0x20000000:  # EWKB SRID
        offset += 4
    code &= 0x0FFFFFFF
    if code >= 1000:
        has_z = has_z or (code // 1000) in (1, 3)
        has_m = has_m or (code // 1000) in (2, 3)
        code %= 1000
    dims = 2 + has_z + has_m
    keep = 3 if has_z else 2
    kind = _GEOJSON_TYPES.get(code)
    if kind is None:
        raise ValueError(f"unsupported WKB geometry type {code}")

    def point():
        nonlocal offset
        values = struct.unpack_from(order + "d" * dims, buf, offset)
        offset += 8 * dims
        return list(values[:keep])

    def count():
        nonlocal offset
        (n,) = struct.unpack_from(order + "I", buf, offset)
        offset += 4
        return n

    if kind == "Point":
        coords = point()
        if all(math.isnan(c) for c in coords):
            return {"type": "Point", "coordinates": []}, offset
        return {"type": "Point", "coordinates": coords}, offset
    if kind == "LineString":
        return {"type": kind, "coordinates": [point() for _ in range(count())]}, offset
    if kind == "Polygon":
        return {
            "type": kind,
            "coordinates": [[point() for _ in range(count())] for _ in range(count())],
        }, offset
    parts = []
    for _ in range(count()):
        part, offset = _read(buf, offset)
        parts.append(part)
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": parts}, offset
    return {"type": kind, "coordinates": [p["coordinates"] for p in parts]}, offset
