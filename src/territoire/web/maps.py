"""Server-side SVG maps of territories: readable without JavaScript, tiles or any outside server."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class MapShape:
    path: str
    label: str
    url: str | None = None
    highlight: bool = False


def _rings(geometry: dict) -> list[list[list[float]]]:
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def svg_map(
    items: list[tuple[dict, str, str | None]], *, width: int = 640, height: int = 480
) -> dict | None:
    """Project (geometry, label, url) items to SVG paths in a shared frame (equirectangular,
    longitude scaled by the cosine of the mean latitude). Returns None when nothing has a shape."""
    rings_per_item = [(_rings(g), label, url) for g, label, url in items]
    points = [p for rings, _, _ in rings_per_item for ring in rings for p in ring]
    if not points:
        return None
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * kx, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = min((width - 20) / span_x, (height - 20) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def xy(p):
        return (off_x + (p[0] - min_lon) * kx * scale, off_y + (max_lat - p[1]) * scale)

    shapes = []
    for rings, label, url in rings_per_item:
        parts = []
        for ring in rings:
            coords = [xy(p) for p in ring]
            if len(coords) < 3:
                continue
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "Z")
        if parts:
            shapes.append(MapShape(path="".join(parts), label=label, url=url))
    return {"width": width, "height": height, "shapes": shapes}
