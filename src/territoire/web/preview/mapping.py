"""The map of a dataset's page: the points and shapes of the records that match the table's
filters, read through the records selectors like every other read."""

from __future__ import annotations

from territoire.records import selectors
from territoire.records.columns import Column, position
from territoire.records.odsql import RecordQuery, ast
from territoire.records.odsql import build as q

from .table import run

MAP_POINT_CAP = 10000
LABEL_HINTS = ("nom", "name", "libelle", "titre", "title", "designation", "adresse")


def label_column(columns: tuple[Column, ...]) -> Column | None:
    """The column that names a record best (nom, libellé, titre…), for map labels."""
    texts = [c for c in columns if c.type == "text"]
    for hint in LABEL_HINTS:
        for c in texts:
            if hint in c.id:
                return c
    return texts[0] if texts else None


def has_map(served: selectors.Served) -> bool:
    return position(served.data_columns) is not None


def map_features(served: selectors.Served, condition: ast.Node | None) -> dict | None:
    """Points and shapes of the records that match the table's filters (at most MAP_POINT_CAP),
    or None when the records have no position."""
    where = position(served.data_columns)
    if where is None:
        return None
    label = label_column(served.data_columns)
    if where.kind == "pair":
        latitude, longitude = q.field(where.latitude), q.field(where.longitude)
        select = [(q.field(where.longitude), "lon"), (q.field(where.latitude), "lat")]
        present = q.and_(q.is_null(latitude, negated=True), q.is_null(longitude, negated=True))
    else:
        select = [(q.field(where.field), "geo")]
        present = q.is_null(q.field(where.field), negated=True)
    if label:
        select.append((q.field(label.id), "label"))
    query = RecordQuery(
        select=q.select(*select),
        where=[c for c in (condition, present) if c is not None],
        limit=MAP_POINT_CAP,
    )
    answer = run(served, query, with_count=True, max_limit=MAP_POINT_CAP)
    points, shapes = [], []
    for row in answer["results"]:
        name = str(row.get("label") or "")
        if where.kind == "pair":
            lon, lat = row.get("lon"), row.get("lat")
            if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                continue
            points.append((float(lon), float(lat), name))
        elif where.kind == "geo_point":
            value = row.get("geo") or {}
            if value.get("lon") is not None:
                points.append((float(value["lon"]), float(value["lat"]), name))
        else:
            value = row.get("geo")
            if not value:
                continue
            if value.get("type") == "Point":
                lon, lat = value["coordinates"][:2]
                points.append((float(lon), float(lat), name))
            elif value.get("type") == "MultiPoint" and len(value["coordinates"]) == 1:
                lon, lat = value["coordinates"][0][:2]
                points.append((float(lon), float(lat), name))
            else:
                shapes.append((value, name))
    total = answer["total_count"]
    return {
        "points": points,
        "shapes": shapes,
        "total": total,
        "capped": total is not None and total > MAP_POINT_CAP,
        "label": label,
        "position": where,
    }
