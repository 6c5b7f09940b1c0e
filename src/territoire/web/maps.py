"""Server-side SVG maps: readable without JavaScript, tiles or any outside server.

Territory shapes (communes of an EPCI…) and the points or shapes of a dataset share one frame.
Without a tile server the frame is an equirectangular projection with the longitude scaled by the
cosine of the mean latitude, which is exact enough at the scale of a territory and fills the
drawing. With one (``TERRITOIRE_TILE_URL``), everything is drawn in Web Mercator at the fractional
zoom that fills the drawing just as well, and the base map's tiles, from the whole zoom just above,
are drawn scaled down at their exact place, so that they lie under the data exactly; the tiles are
decorative, the shapes and points say everything on their own.
Many points are clustered on a grid of the drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class MapShape:
    path: str
    label: str
    url: str | None = None
    highlight: bool = False
    css: str = ""  # a class of the drawing (a choropleth's value class)
    fill: str = ""  # or its colour, for a standalone SVG file


def _rings(geometry: dict | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    return []


def _lines(geometry: dict | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "LineString":
        return [coordinates]
    if kind == "MultiLineString":
        return list(coordinates)
    if kind == "GeometryCollection":
        return [line for g in geometry.get("geometries", []) for line in _lines(g)]
    return []


def geometry_points(geometry: dict | None) -> list[tuple[float, float]]:
    """Every (lon, lat) position of a GeoJSON geometry."""
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return [(coordinates[0], coordinates[1])]
    if kind in ("MultiPoint", "LineString"):
        return [(p[0], p[1]) for p in coordinates]
    if kind in ("MultiLineString", "Polygon"):
        return [(p[0], p[1]) for line in coordinates for p in line]
    if kind == "MultiPolygon":
        return [(p[0], p[1]) for polygon in coordinates for ring in polygon for p in ring]
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in geometry_points(g)]
    return []


class _Drawing:
    """What every frame shares: ``xy`` projects a position, ``path`` draws rings or lines."""

    @classmethod
    def around(cls, positions, *, width: int = 640, height: int = 480, pad: float = 0.0):
        lons = [p[0] for p in positions]
        lats = [p[1] for p in positions]
        min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
        dx, dy = (max_lon - min_lon) * pad, (max_lat - min_lat) * pad
        return cls(min_lon - dx, max_lon + dx, min_lat - dy, max_lat + dy, width, height)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        raise NotImplementedError

    def path(self, rings, *, closed: bool = True) -> str:
        parts = []
        for ring in rings:
            coords = [self.xy(p[0], p[1]) for p in ring]
            if len(coords) < (3 if closed else 2):
                continue
            parts.append(
                "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + ("Z" if closed else "")
            )
        return "".join(parts)

    def tiles(self, template: str) -> list[Tile]:
        return []


@dataclass
class Frame(_Drawing):
    """Projects (lon, lat) into a width × height drawing with a margin."""

    min_lon: float
    max_lon: float
    min_lat: float
    max_lat: float
    width: int = 640
    height: int = 480
    margin: int = 10
    kx: float = field(init=False)
    scale: float = field(init=False)
    off_x: float = field(init=False)
    off_y: float = field(init=False)

    def __post_init__(self):
        self.kx = math.cos(math.radians((self.min_lat + self.max_lat) / 2))
        span_x = max((self.max_lon - self.min_lon) * self.kx, 1e-9)
        span_y = max(self.max_lat - self.min_lat, 1e-9)
        inner_w, inner_h = self.width - 2 * self.margin, self.height - 2 * self.margin
        self.scale = min(inner_w / span_x, inner_h / span_y)
        if span_x < 1e-6 and span_y < 1e-6:  # a single point: a street-level frame
            self.scale = inner_w / 0.01
        self.off_x = (self.width - span_x * self.scale) / 2
        self.off_y = (self.height - span_y * self.scale) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.off_x + (lon - self.min_lon) * self.kx * self.scale,
            self.off_y + (self.max_lat - lat) * self.scale,
        )


# ------------------------------------------------------------------ Web Mercator and its tiles

TILE_SIZE = 256  # pixels, the slippy-map convention every tile server follows
MAX_ZOOM = 18
POINT_ZOOM = 16  # a single position: street level rather than the deepest zoom
MAX_TILES = 30  # beyond, the drawing is too large to ask a tile server for: no tiles
MAX_LATITUDE = 85.0511287798  # where the Web Mercator square ends
# Two images meeting at a fractional pixel each cover it only partly and the background shows
# through as a hairline (Chromium: up to a third of the pixel). Each tile is drawn this much larger
# on every side, in drawing pixels: tiles overlap by one pixel, and their content moves by at most
# half a pixel, at their edges.
TILE_OVERLAP = 0.5


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator (EPSG:3857) as fractions of the world square: (0, 0) at 180° W, 85° N."""
    phi = math.radians(max(-MAX_LATITUDE, min(MAX_LATITUDE, lat)))
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2
    return (lon + 180.0) / 360.0, y


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The (x, y) of the slippy-map tile holding a position at ``zoom``."""
    x, y = mercator(lon, lat)
    n = 2**zoom
    return min(int(x * n), n - 1), min(int(y * n), n - 1)


def tile_href(template: str, zoom: int, x: int, y: int) -> str:
    """Fill a ``…/{z}/{x}/{y}.png`` template; ``{s}`` spreads tiles over subdomains a, b and c."""
    href = template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
    return href.replace("{s}", "abc"[(x + y) % 3])


@dataclass(frozen=True)
class Tile:
    """One base-map tile, placed in the drawing: (x, y) its top-left corner, width and height its
    scaled size, in drawing pixels. A tile's right edge is exactly its neighbour's left edge."""

    href: str
    x: float
    y: float
    width: float
    height: float
    zoom: int
    column: int
    row: int

    # The <image>'s attributes, pre-formatted: the tile drawn TILE_OVERLAP larger on every side.
    @property
    def image_x(self) -> str:
        return f"{self.x - TILE_OVERLAP:.2f}"

    @property
    def image_y(self) -> str:
        return f"{self.y - TILE_OVERLAP:.2f}"

    @property
    def image_width(self) -> str:
        return f"{self.width + 2 * TILE_OVERLAP:.2f}"

    @property
    def image_height(self) -> str:
        return f"{self.height + 2 * TILE_OVERLAP:.2f}"


class MercatorFrame(_Drawing):
    """Projects (lon, lat) in Web Mercator at the fractional zoom where the box fills the drawing
    within its margin, centred, as Leaflet does with fractional zoom. The tiles come from the whole
    zoom just above (scaled down, they stay sharp) and are drawn scaled at their exact place."""

    def __init__(
        self,
        min_lon: float,
        max_lon: float,
        min_lat: float,
        max_lat: float,
        width: int = 640,
        height: int = 480,
        margin: int = 10,
    ):
        self.width, self.height = width, height
        left, bottom = mercator(min_lon, min_lat)
        right, top = mercator(max_lon, max_lat)
        span_x, span_y = (right - left) * TILE_SIZE, (bottom - top) * TILE_SIZE  # at zoom 0
        inner_w, inner_h = width - 2 * margin, height - 2 * margin
        if span_x < 1e-9 and span_y < 1e-9:
            self.zoom = float(POINT_ZOOM)
        else:
            fill = min(inner_w / max(span_x, 1e-12), inner_h / max(span_y, 1e-12))
            # Past the deepest tiles, a box of a few metres stays centred at that zoom.
            self.zoom = min(math.log2(fill), float(MAX_ZOOM))
        self.world = TILE_SIZE * 2**self.zoom  # the world's width in drawing pixels
        self.origin_x = (left + right) / 2 * self.world - width / 2
        self.origin_y = (top + bottom) / 2 * self.world - height / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = mercator(lon, lat)
        return x * self.world - self.origin_x, y * self.world - self.origin_y

    def tile_zooms(self) -> list[int]:
        """The tile zooms to try, best first: the whole zoom at or above the drawing's (tiles
        scaled down), then the one below (tiles scaled up, at most twice) if that is another."""
        # A zoom a rounding error past a whole one is that whole one: its tiles drawn 1:1.
        above = min(max(math.ceil(self.zoom - 1e-9), 0), MAX_ZOOM)
        below = min(max(math.floor(self.zoom + 1e-9), 0), MAX_ZOOM)
        return [above] if below == above else [above, below]

    def tiles(self, template: str) -> list[Tile]:
        """Every tile the drawing shows, and no other, at the first zoom of ``tile_zooms`` needing
        at most MAX_TILES of them. Columns wrap around the antimeridian; there is nothing above or
        below the poles."""
        if not template:
            return []
        for zoom in self.tile_zooms():
            tiles = self._tiles_at(template, zoom)
            if tiles is not None:
                return tiles
        return []

    def _tiles_at(self, template: str, zoom: int) -> list[Tile] | None:
        n = 2**zoom
        size = self.world / n  # a tile's side in drawing pixels

        def edge(index: int, origin: float) -> float:
            # Both neighbours of an edge take it from here: they meet without a gap.
            return round(index * size - origin, 2)

        # A tile the drawing would touch only by a rounding error is not asked for.
        columns = range(
            math.floor(self.origin_x / size + 1e-9),
            math.ceil((self.origin_x + self.width) / size - 1e-9),
        )
        rows = range(
            max(math.floor(self.origin_y / size + 1e-9), 0),
            min(math.ceil((self.origin_y + self.height) / size - 1e-9), n),
        )
        if len(columns) * len(rows) > MAX_TILES:
            return None
        tiles = []
        for row in rows:
            top, bottom = edge(row, self.origin_y), edge(row + 1, self.origin_y)
            for column in columns:
                left, right = edge(column, self.origin_x), edge(column + 1, self.origin_x)
                tiles.append(
                    Tile(
                        href=tile_href(template, zoom, column % n, row),
                        x=left,
                        y=top,
                        width=round(right - left, 2),
                        height=round(bottom - top, 2),
                        zoom=zoom,
                        column=column % n,
                        row=row,
                    )
                )
        return tiles


def fit(positions, *, width: int, height: int, pad: float = 0.0, tile_url: str = "") -> _Drawing:
    """The frame for positions: Web Mercator under a tile server, else equirectangular."""
    kind = MercatorFrame if tile_url else Frame
    return kind.around(positions, width=width, height=height, pad=pad)


def svg_map(
    items: list[tuple[dict, str, str | None]],
    *,
    width: int = 640,
    height: int = 480,
    tile_url: str = "",
) -> dict | None:
    """Project (geometry, label, url) items to SVG paths in a shared frame, over the tiles of
    ``tile_url`` when there is one. Returns None when nothing has a shape."""
    rings_per_item = [(_rings(g), label, url) for g, label, url in items]
    points = [p for rings, _, _ in rings_per_item for ring in rings for p in ring]
    if not points:
        return None
    frame = fit(points, width=width, height=height, tile_url=tile_url)
    shapes = []
    for rings, label, url in rings_per_item:
        path = frame.path(rings)
        if path:
            shapes.append(MapShape(path=path, label=label, url=url))
    return {"width": width, "height": height, "shapes": shapes, "tiles": frame.tiles(tile_url)}


# ------------------------------------------------------------------ a dataset's features


@dataclass
class Marker:
    x: float
    y: float
    count: int
    radius: float
    lon: float
    lat: float
    labels: list[str]
    area: str = ""  # the territory holding the marker, when known

    # Pre-formatted for the SVG (template filters on thousands of numbers cost real time).
    @property
    def cx(self) -> str:
        return f"{self.x:.1f}"

    @property
    def cy(self) -> str:
        return f"{self.y:.1f}"

    @property
    def r(self) -> str:
        return f"{self.radius:.1f}"

    @property
    def position(self) -> str:
        return f"{self.lat:.5f}, {self.lon:.5f}"


@dataclass
class FeatureShape:
    path: str
    closed: bool
    label: str


@dataclass
class FeatureMap:
    width: int
    height: int
    background: list[MapShape]
    markers: list[Marker]
    shapes: list[FeatureShape]
    point_count: int
    clustered: bool
    cell: int
    tiles: list[Tile] = field(default_factory=list)


def _point_in_ring(lon: float, lat: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def _bbox(rings) -> tuple[float, float, float, float]:
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def locate(lon: float, lat: float, areas: list[tuple[str, list, tuple]]) -> str:
    """The name of the area holding the position (outer rings only, holes ignored), or ''."""
    for name, rings, (x0, y0, x1, y1) in areas:
        if x0 <= lon <= x1 and y0 <= lat <= y1 and any(_point_in_ring(lon, lat, r) for r in rings):
            return name
    return ""


def feature_map(
    points: list[tuple[float, float, str]],
    geometries: list[tuple[dict, str]],
    boundaries: list[tuple[dict, str]],
    *,
    width: int = 640,
    height: int = 480,
    cluster_above: int = 150,
    cell: int = 32,
    tile_url: str = "",
) -> FeatureMap | None:
    """A map of a dataset: its points (lon, lat, label) — clustered on a grid of ``cell`` pixels
    when there are more than ``cluster_above`` — and its shapes, over the boundaries of its
    territory (geometry, name), over the tiles of ``tile_url`` when there is one. The frame fits
    the data, padded; boundaries outside are clipped."""
    shape_points = [p for g, _label in geometries for p in geometry_points(g)]
    positions = [(lon, lat) for lon, lat, _label in points] + shape_points
    if not positions:
        return None
    frame = fit(positions, width=width, height=height, pad=0.06, tile_url=tile_url)
    outline = [p for geometry, _name in boundaries for ring in _rings(geometry) for p in ring]
    if outline:
        # Data inside its territory is shown over the whole territory, for context; data that
        # reaches beyond it keeps a frame fitted to the data.
        x0, y0, x1, y1 = _bbox([outline])
        if all(x0 <= lon <= x1 and y0 <= lat <= y1 for lon, lat in positions):
            frame = fit(outline, width=width, height=height, pad=0.02, tile_url=tile_url)
    background = []
    areas = []
    for geometry, name in boundaries:
        rings = _rings(geometry)
        if rings:
            background.append(MapShape(path=frame.path(rings), label=name))
            outer = (
                [poly[0] for poly in geometry["coordinates"]]
                if geometry["type"] == "MultiPolygon"
                else [geometry["coordinates"][0]]
            )
            areas.append((name, outer, _bbox(outer)))

    clustered = len(points) > cluster_above
    cells: dict[tuple[int, int], list[tuple[float, float, str, float, float]]] = {}
    for lon, lat, label in points:
        x, y = frame.xy(lon, lat)
        key = (int(x // cell), int(y // cell)) if clustered else (len(cells), 0)
        cells.setdefault(key, []).append((x, y, label, lon, lat))
    markers = []
    for members in cells.values():
        n = len(members)
        x = sum(m[0] for m in members) / n
        y = sum(m[1] for m in members) / n
        lon = sum(m[3] for m in members) / n
        lat = sum(m[4] for m in members) / n
        radius = 5.0 if n == 1 else min(6 + 3.2 * math.log2(n), cell * 0.75)
        labels = [m[2] for m in members if m[2]][:3]
        markers.append(Marker(x, y, n, radius, lon, lat, labels))
    markers.sort(key=lambda m: -m.count)
    if areas and len(markers) <= 2000:
        for marker in markers:
            marker.area = locate(marker.lon, marker.lat, areas)
    shapes = []
    for geometry, label in geometries:
        rings = _rings(geometry)
        if rings:
            shapes.append(FeatureShape(frame.path(rings), True, label))
            continue
        lines = _lines(geometry)
        if lines:
            shapes.append(FeatureShape(frame.path(lines, closed=False), False, label))
    return FeatureMap(
        width=width,
        height=height,
        background=background,
        markers=markers,
        shapes=shapes,
        point_count=len(points),
        clustered=clustered,
        cell=cell,
        tiles=frame.tiles(tile_url),
    )
