"""A map to pick a point on (a proposal's place): the communes drawn by ``web/maps.py``, and the
numbers of its projection, so that the browser's script (``static/territoire/picker.js``) turns
a click or the arrow keys into a latitude and a longitude. Without the script the two number
fields are the form; the map stays hidden.

Used by the proposals' form (``_point_picker.html``) and the reports' form (its map only,
``_point_picker_map.html``: it adds an image map for browsers without JavaScript, and
``reports.js`` says in which commune the point fell, on the ``point-picked`` event)."""

from __future__ import annotations

from django.conf import settings

from . import maps

WIDTH, HEIGHT = 640, 480


def point_picker(boundaries: list[tuple[dict, str]], *, width: int = WIDTH,
                 height: int = HEIGHT) -> dict | None:  # fmt: skip
    """The drawing and its projection (the inverse is in picker.js), or None without shapes."""
    tile_url = settings.TERRITOIRE_TILE_URL
    drawn = maps.svg_map([(g, name, None) for g, name in boundaries], width=width,
                         height=height, tile_url=tile_url)  # fmt: skip
    if drawn is None:
        return None
    points = [p for g, _name in boundaries for p in maps.geometry_points(g)]
    frame = maps.fit(points, width=width, height=height, tile_url=tile_url)
    if isinstance(frame, maps.MercatorFrame):
        projection = {"kind": "mercator", "world": frame.world, "ox": frame.origin_x,
                      "oy": frame.origin_y}  # fmt: skip
    else:
        projection = {"kind": "plate", "lon0": frame.min_lon, "lat0": frame.max_lat,
                      "kx": frame.kx, "scale": frame.scale, "ox": frame.off_x, "oy": frame.off_y}  # fmt: skip
    return {**drawn, "projection": projection}
