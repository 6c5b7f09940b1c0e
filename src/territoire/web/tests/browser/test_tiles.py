"""Base-map tiles under the maps, from a tile server on 127.0.0.1 (tests never reach the internet).

The tile server draws its own marks where known positions fall — a green dot on every vertex of the
communes' boundaries, a magenta cross on every defibrillator — with its own Web Mercator formula.
The maps draw the tiles scaled to a fractional zoom; with the SVG's own drawing hidden, the pixels
Chromium renders from the tiles are read back and every vertex must fall on a dot, every marker on
a cross's centre. In the screenshots (test-artifacts/screenshots/tiles-*.png) the SVG's outlines
run through the dots and its markers sit on the crosses: look at them."""

from __future__ import annotations

import math
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from territoire.web.maps import MAX_TILES

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST

SIZE = 256
PAPER, GRID, DOT, CROSS = (242, 239, 233), (205, 200, 190), (0, 128, 0), (200, 0, 160)
TILE_PATH = re.compile(r"^/tiles/(\d+)/(\d+)/(\d+)\.png$")


def _world_pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Slippy-map pixel of a position, written out here rather than taken from the code under test."""
    phi = math.radians(lat)
    n = SIZE * 2**zoom
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(phi)) / math.pi) / 2 * n


def _png(pixels: bytearray) -> bytes:
    """A 256 × 256 RGB PNG: rows with filter byte 0, deflated, in IHDR/IDAT/IEND chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = SIZE * 3
    raw = b"".join(b"\x00" + pixels[y * row : (y + 1) * row] for y in range(SIZE))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _tile(zoom: int, x: int, y: int, dots, crosses) -> bytes:
    pixels = bytearray(bytes(PAPER) * SIZE * SIZE)

    def put(px: int, py: int, colour) -> None:
        if 0 <= px < SIZE and 0 <= py < SIZE:
            i = (py * SIZE + px) * 3
            pixels[i : i + 3] = bytes(colour)

    for i in range(SIZE):  # the tile's own edges, to see the grid in the screenshot
        put(i, 0, GRID)
        put(0, i, GRID)
    for marks, reach, colour in ((dots, 1, DOT), (crosses, 12, CROSS)):
        for lon, lat in marks:
            wx, wy = _world_pixel(lon, lat, zoom)
            px, py = math.floor(wx - x * SIZE), math.floor(wy - y * SIZE)
            if -reach <= px < SIZE + reach and -reach <= py < SIZE + reach:
                for d in range(-reach, reach + 1):
                    if colour is DOT:
                        for e in range(-reach, reach + 1):
                            put(px + d, py + e, colour)
                    else:
                        put(px + d, py, colour)
                        put(px, py + d, colour)
    return _png(pixels)


@pytest.fixture
def tile_server(settings) -> Iterator[SimpleNamespace]:
    """PNG tiles on 127.0.0.1, set as the portal's TERRITOIRE_TILE_URL (and CSP origin)."""
    state = SimpleNamespace(requests=[], dots=[], crosses=[])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            found = TILE_PATH.match(self.path)
            if not found:
                self.send_error(404)
                return
            zoom, x, y = (int(n) for n in found.groups())
            state.requests.append((zoom, x, y))
            body = _tile(zoom, x, y, state.dots, state.crosses)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TERRITOIRE_TILE_URL = state.origin + "/tiles/{z}/{x}/{y}.png"
    settings.TERRITOIRE_TILE_ATTRIBUTION = "© tuiles de test"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _boundary_vertices(territories) -> list[tuple[float, float]]:
    from territoire.web.maps import geometry_points

    return [p for t in territories for p in geometry_points(t.geometry)]


def _watch(tab) -> SimpleNamespace:
    seen = SimpleNamespace(tiles=[], failed=[])
    tab.page.on(
        "response",
        lambda r: (
            seen.tiles.append((r.url, r.status, r.headers.get("content-type")))
            if "/tiles/" in r.url
            else None
        ),
    )
    tab.page.on("requestfailed", lambda r: seen.failed.append(r.url))
    return seen


def _decode_png(data: bytes) -> tuple[int, int, list[bytearray], int]:
    """Width, height, rows and bytes per pixel of an 8-bit RGB(A) PNG, as Chromium writes them."""
    position, compressed = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
        elif kind == b"IDAT":
            compressed += body
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(compressed), width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - step] if i >= step else 0
            b = previous[i]
            c = previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, rows, step


def _tiles_alone(tab, figure: str) -> SimpleNamespace:
    """The map's tiles as Chromium draws them, everything over them hidden and the background
    behind them pure blue: ``pixel(x, y)`` turns a point of the drawing (its viewBox units) into
    the screenshot's pixels, ``near(px, py, test)`` says whether a pixel within one of it passes
    ``test``, and ``gaps`` counts the pixels where the background shows between tiles."""
    tab.page.wait_for_load_state("networkidle")
    svg = tab.page.locator(f"{figure} svg")
    svg.scroll_into_view_if_needed()
    box = svg.evaluate(
        """svg => {
            for (const child of svg.children) {
                if (!child.matches('g.tiles')) child.style.visibility = 'hidden';
            }
            svg.style.background = 'rgb(0, 0, 255)';
            const m = svg.getScreenCTM(), r = svg.getBoundingClientRect();
            return {a: m.a, d: m.d, e: m.e, f: m.f, left: r.left, top: r.top,
                    width: r.width, height: r.height};
        }"""
    )
    left, top = math.floor(box["left"]), math.floor(box["top"])
    clip = {
        "x": left,
        "y": top,
        "width": math.ceil(box["left"] + box["width"]) - left,
        "height": math.ceil(box["top"] + box["height"]) - top,
    }
    width, height, rows, step = _decode_png(tab.page.screenshot(clip=clip))

    def pixel(x: float, y: float) -> tuple[float, float]:  # drawing → screenshot pixel
        return box["a"] * x + box["e"] - left, box["d"] * y + box["f"] - top

    def colour(px: int, py: int) -> tuple[int, int, int] | None:
        if 0 <= px < width and 0 <= py < height:
            return tuple(rows[py][px * step : px * step + 3])
        return None

    def near(px: float, py: float, test, reach: int = 1) -> bool:
        # the pixel holding the point (pixel i spans i to i + 1) and its neighbours within reach
        return any(
            (found := colour(math.floor(px) + dx, math.floor(py) + dy)) is not None and test(found)
            for dx in range(-reach, reach + 1)
            for dy in range(-reach, reach + 1)
        )

    # No tile paper, grid, dot or cross is blue: a bluish pixel is the background seen through a
    # hairline where two scaled tiles meet (the svg's border, 1 pixel, is left out).
    gaps = sum(
        1
        for py in range(2, height - 2)
        for px in range(2, width - 2)
        if (rgb := colour(px, py))[2] - max(rgb[0], rgb[1]) > 30
    )
    return SimpleNamespace(pixel=pixel, near=near, width=width, height=height, gaps=gaps)


def _greenish(rgb) -> bool:  # a dot, even blended with the paper by the scaling
    return rgb[1] - rgb[0] > 25 and rgb[1] - rgb[2] > 25


def _magentaish(rgb) -> bool:
    return rgb[0] - rgb[1] > 40 and rgb[2] - rgb[1] > 40


def _assert_vertices_on_dots(tab, figure: str) -> None:
    """Every vertex of the SVG's outlines lies on the dot the tile server drew for it, and the
    tiles cover the drawing without a hairline between them."""
    paths = tab.page.locator(f"{figure} svg path").evaluate_all(
        "paths => paths.map(p => p.getAttribute('d'))"
    )
    vertices = [
        (float(x), float(y)) for d in paths for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)
    ]
    tiles = _tiles_alone(tab, figure)
    inside = [tiles.pixel(x, y) for x, y in vertices]
    inside = [(x, y) for x, y in inside if 2 <= x < tiles.width - 2 and 2 <= y < tiles.height - 2]
    missed = [(x, y) for x, y in inside if not tiles.near(x, y, _greenish)]
    assert len(inside) > 100 and not missed, (len(inside), missed[:10])
    assert tiles.gaps == 0
    tab.page.reload()


def _assert_markers_on_crosses(tab, figure: str) -> None:
    """Every marker's centre is where the arms of the cross the tile server drew for it meet:
    a few pixels off, on each side, both arms pass within a pixel of the marker's row and column;
    and the tiles cover the drawing without a hairline between them."""
    centres = tab.page.locator(f"{figure} svg circle").evaluate_all(
        "circles => circles.map(c => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"
    )
    tiles = _tiles_alone(tab, figure)
    arm = 5  # screen pixels from the centre: the arms reach 12 tile pixels, scaled down
    off = []
    for cx, cy in centres:
        x, y = tiles.pixel(cx, cy)
        on_arms = all(
            tiles.near(x + d, y, _magentaish) and tiles.near(x, y + d, _magentaish)
            for d in (-arm, arm)
        )
        if not on_arms:
            off.append((cx, cy))
    assert centres and not off, off
    assert tiles.gaps == 0
    tab.page.reload()


def _tile_hrefs(tab, figure: str) -> list[str]:
    return tab.page.locator(f"{figure} svg g.tiles image").evaluate_all(
        "images => images.map(i => i.getAttribute('href'))"
    )


def _assert_tiles_loaded(tab, seen, hrefs, server) -> None:
    tab.page.wait_for_load_state("networkidle")
    assert 6 <= len(hrefs) <= MAX_TILES, hrefs
    assert not seen.failed, seen.failed
    loaded = {url for url, status, kind in seen.tiles if status == 200 and kind == "image/png"}
    assert set(hrefs) <= loaded
    asked = {f"{server.origin}/tiles/{z}/{x}/{y}.png" for z, x, y in server.requests}
    assert set(hrefs) <= asked
    assert not tab.csp_violations(), tab.csp_violations()


def _close_up(tab, figure: str, name: str) -> None:
    """A four-times enlargement of the middle of the map (its viewBox narrowed), where a tile
    pixel is big enough to see whether outlines run through the dots and markers sit on the
    crosses; the page is reloaded afterwards."""
    svg = tab.page.locator(f"{figure} svg")
    svg.evaluate("svg => svg.setAttribute('viewBox', '240 180 160 120')")
    tab.screenshot(name, f"{figure} svg")
    tab.page.reload()


def test_home_and_dataset_maps_over_local_tiles(open_tab, portal_data, tile_server):
    from territoire.territories.models import Territory

    portal = portal_data
    communes = list(Territory.objects.filter(kind="commune", epcis=portal.epci))
    assert len(communes) == 31
    tile_server.dots = _boundary_vertices(communes)
    found = {}

    tab = open_tab("fr")
    seen = _watch(tab)
    response = tab.goto("/")
    assert tile_server.origin in response.headers["content-security-policy"]
    hrefs = _tile_hrefs(tab, ".territory-map")
    _assert_tiles_loaded(tab, seen, hrefs, tile_server)
    assert tab.page.locator(".territory-map svg a").count() == 31  # the communes, over the tiles
    assert tab.page.locator(".map-attribution").inner_text() == "Fond de carte : © tuiles de test"
    assert tab.page.locator(".map-attribution").is_visible()
    found["home"] = tab.axe()
    # the metropole fills the drawing (within its 10-pixel margin) as it does without tiles
    extent = tab.page.locator(".territory-map svg").evaluate(
        """svg => {
            const boxes = [...svg.querySelectorAll('path')].map(p => p.getBBox());
            const left = Math.min(...boxes.map(b => b.x)), top = Math.min(...boxes.map(b => b.y));
            const right = Math.max(...boxes.map(b => b.x + b.width));
            const bottom = Math.max(...boxes.map(b => b.y + b.height));
            return [left, top, right, bottom];
        }"""
    )
    left, top, right, bottom = extent
    assert left >= 9 and top >= 9 and right <= 631 and bottom <= 471, extent
    assert right - left >= 615 or bottom - top >= 455, extent
    tab.screenshot("tiles-home-map", ".territory-map")
    _close_up(tab, ".territory-map", "tiles-home-map-close-up")
    _assert_vertices_on_dots(tab, ".territory-map")

    # the markers' positions (the mean of a group, or a lone defibrillator once the table is
    # filtered down to a few), read from the map's table, become crosses on the tiles
    defib = f"/jeux-de-donnees/{portal.defibrillators.slug}/"
    filtered = defib + "?f-nom=gymnase"
    for path in (defib, filtered):
        tab.goto(path)
        tab.page.locator("#carte details > summary").click()
        positions = tab.page.locator("#carte details tbody tr").evaluate_all(
            "rows => rows.map(r => r.cells[3].textContent.split(',').map(Number))"
        )
        assert len(positions) == tab.page.locator(".feature-map svg circle").count() >= 3
        tile_server.crosses += [(lon, lat) for lat, lon in positions]

    tab = open_tab("fr")  # a fresh context: no tile from the first visits in its cache
    seen = _watch(tab)
    for path, name in ((defib, "dataset"), (filtered, "dataset-filtered")):
        tab.goto(path)
        hrefs = _tile_hrefs(tab, ".feature-map")
        _assert_tiles_loaded(tab, seen, hrefs, tile_server)
        assert tab.page.locator(".feature-map .map-attribution").is_visible()
        tab.screenshot(f"tiles-{name}-map", ".feature-map")
        _close_up(tab, ".feature-map", f"tiles-{name}-map-close-up")
        _assert_markers_on_crosses(tab, ".feature-map")
        for summary in tab.page.locator("main details > summary").all():
            summary.click()
        found[name] = tab.axe()

    tab.goto(f"/territoires/communes/{portal.commune.code}/")
    _assert_tiles_loaded(tab, seen, _tile_hrefs(tab, ".territory-map"), tile_server)
    found["commune"] = tab.axe()
    tab.screenshot("tiles-commune-map", ".territory-map")
    _assert_vertices_on_dots(tab, ".territory-map")

    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_without_a_tile_server_the_maps_draw_shapes_and_points_alone(
    open_tab, portal_data, settings
):
    settings.TERRITOIRE_TILE_URL = ""
    tab = open_tab("fr")
    tab.goto("/")
    assert tab.page.locator(".territory-map svg a").count() == 31
    assert tab.page.locator("svg image").count() == 0
    assert tab.page.locator(".map-attribution").count() == 0
    tab.screenshot("tiles-none-home-map", ".territory-map")
    tab.goto(f"/jeux-de-donnees/{portal_data.defibrillators.slug}/")
    assert tab.page.locator(".feature-map svg circle").count() >= 10
    assert tab.page.locator("svg image").count() == 0
    tab.screenshot("tiles-none-dataset-map", ".feature-map")
    assert not tab.csp_violations(), tab.csp_violations()
