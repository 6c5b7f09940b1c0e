"""A choropleth map drawn on the server: the territories' shapes (``maps.svg_map``) filled by
class of value. Five classes by quantiles of the distinct values; a territory without a value
is grey. The colours are a sequential blue scale whose lightest class still shows its border
(WCAG 1.4.11: the borders carry the shapes), and the map always goes with its table: the colour is never the only way to read a value."""

from __future__ import annotations

from dataclasses import dataclass

from .maps import svg_map

CLASSES = 5


@dataclass
class LegendEntry:
    css: str
    low: float | None
    high: float | None
    fill: str = ""  # the colour itself, for a standalone SVG file (no style sheet there)
    x: int = 0  # its place in a standalone SVG file's legend
    y: int = 0


def breaks(values: list[float], classes: int = CLASSES) -> list[float]:
    """The lower bound of each class but the first: quantiles of the distinct values (many
    territories at the same value — often zero — would otherwise collapse the classes)."""
    ordered = sorted(set(values))
    if len(ordered) < 2:
        return []
    n = min(classes, len(ordered))
    return sorted({ordered[(len(ordered) * i) // n] for i in range(1, n)})


def class_of(value: float | None, bounds: list[float]) -> str:
    if value is None:
        return "choro-none"
    for i, bound in enumerate(bounds):
        if value < bound:
            return f"choro-{i + 1}"
    return f"choro-{len(bounds) + 1}"


def choropleth(
    items: list[tuple[dict, str, str | None, float | None]],
    *,
    tile_url: str = "",
    width: int = 640,
    height: int = 480,
) -> dict | None:
    """(geometry, label, url, value) items → the map (shapes with their class) and legend."""
    drawable = [i for i in items if i[0] and i[0].get("type") in ("Polygon", "MultiPolygon")]
    drawn = svg_map([(g, label, url) for g, label, url, _ in drawable], width=width,
                    height=height, tile_url=tile_url)  # fmt: skip
    if drawn is None:
        return None
    values = [v for *_, v in drawable if v is not None]
    bounds = breaks(values)
    by_label = {label: value for _, label, _, value in drawable}
    for shape in drawn["shapes"]:
        shape.css = class_of(by_label.get(shape.label), bounds)
    edges = [min(values)] + bounds + [max(values)] if values else []
    drawn["legend"] = [
        LegendEntry(f"choro-{i + 1}", edges[i], edges[i + 1]) for i in range(len(edges) - 1)
    ]
    drawn["has_missing"] = any(v is None for *_, v in drawable)
    return drawn
