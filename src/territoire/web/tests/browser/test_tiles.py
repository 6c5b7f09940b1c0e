"""Base-map tiles under the maps, from a tile server on 127.0.0.1 (tests never reach the internet).

The tile server draws its own marks where known positions fall — a green dot on every vertex of the
communes' boundaries, a magenta cross on every defibrillator — with its own Web Mercator formula.
In the screenshots (test-artifacts/screenshots/tiles-*.png) the SVG's outlines run through the
dots and its markers sit on the crosses: look at them."""

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
    settings.TERRITOIRE_TILE_ORIGIN = state.origin
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


def _tile_hrefs(tab, figure: str) -> list[str]:
    return tab.page.locator(f"{figure} svg g.tiles image").evaluate_all(
        "images => images.map(i => i.getAttribute('href'))"
    )


def _assert_tiles_loaded(tab, seen, hrefs, server) -> None:
    tab.page.wait_for_load_state("networkidle")
    assert 6 <= len(hrefs) <= 12, hrefs
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
    tab.screenshot("tiles-home-map", ".territory-map")
    _close_up(tab, ".territory-map", "tiles-home-map-close-up")

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
        for summary in tab.page.locator("main details > summary").all():
            summary.click()
        found[name] = tab.axe()

    tab.goto(f"/territoires/communes/{portal.commune.code}/")
    _assert_tiles_loaded(tab, seen, _tile_hrefs(tab, ".territory-map"), tile_server)
    found["commune"] = tab.axe()
    tab.screenshot("tiles-commune-map", ".territory-map")

    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_without_a_tile_server_the_maps_draw_shapes_and_points_alone(
    open_tab, portal_data, settings
):
    settings.TERRITOIRE_TILE_URL = ""
    settings.TERRITOIRE_TILE_ORIGIN = ""
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
