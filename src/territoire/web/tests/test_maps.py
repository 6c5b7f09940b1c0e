"""Base-map tiles under the SVG maps: the Web Mercator tile arithmetic, where tiles and data land in
the drawing, and the pages with and without a tile server configured."""

from __future__ import annotations

import html as html_lib
import math
import re

import pytest
from django.urls import reverse

from territoire.web import maps

TILES = "https://tiles.example.fr/osm/{z}/{x}/{y}.png"
ORIGIN = "https://tiles.example.fr"
# Montpellier Méditerranée Métropole's extent, roughly, and a few places inside it.
METROPOLE = [(3.70, 43.50), (4.07, 43.75)]
PLACES = [
    (3.8767, 43.6108),  # Place de la Comédie, Montpellier
    (3.9346, 43.5714),  # Lattes
    (3.8175, 43.6620),  # Grabels
    (3.70, 43.50),
    (4.07, 43.75),
]
NUMBER = r"(-?\d+\.\d\d)"
IMAGE = re.compile(
    rf'<image href="([^"]*)" x="{NUMBER}" y="{NUMBER}" width="{NUMBER}" height="{NUMBER}"'
    r' preserveAspectRatio="none"/>'
)


@pytest.fixture
def tiles_on(settings):
    settings.TERRITOIRE_TILE_URL = TILES
    settings.TERRITOIRE_TILE_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
    return settings


# ------------------------------------------------------------------ tile arithmetic


def test_slippy_map_tile_numbers():
    # x = (3.8767 + 180) / 360 · 4096 = 2092.1; y = (1 − ln(tan φ + sec φ)/π) / 2 · 4096 = 1495.5
    assert maps.tile_of(3.8767, 43.6108, 12) == (2092, 1495)
    assert maps.tile_of(3.8767, 43.6108, 0) == (0, 0)
    assert maps.tile_of(-180.0, 85.0511, 3) == (0, 0)
    assert maps.tile_of(179.999, -85.0511, 3) == (7, 7)
    assert maps.mercator(0.0, 0.0) == pytest.approx((0.5, 0.5))
    # beyond the Mercator square the poles clamp rather than fail
    assert maps.mercator(0.0, 90.0)[1] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.django_db
def test_the_csp_allows_the_tiles_origin_even_with_subdomains(client, settings):
    settings.TERRITOIRE_TILE_URL = "https://{s}.tile.example.fr:8443/osm/{z}/{x}/{y}.png"
    csp = client.get("/accessibilite/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tile.example.fr:8443;" in csp
    settings.TERRITOIRE_TILE_URL = ""
    csp = client.get("/accessibilite/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:;" in csp


def test_tile_href_fills_the_template():
    assert maps.tile_href(TILES, 12, 2092, 1495) == "https://tiles.example.fr/osm/12/2092/1495.png"
    subdomains = "https://{s}.tile.example.fr/{z}/{x}/{y}.png"
    assert maps.tile_href(subdomains, 3, 1, 2) == "https://a.tile.example.fr/3/1/2.png"
    assert maps.tile_href(subdomains, 3, 1, 3) == "https://b.tile.example.fr/3/1/3.png"


def _tile_holding(tiles, lon, lat):
    column, row = maps.tile_of(lon, lat, tiles[0].zoom)
    [tile] = [t for t in tiles if (t.column, t.row) == (column, row)]
    return tile


def _place_in_tile(tile, lon, lat) -> tuple[float, float]:
    """Where a position lies in the drawing by its tile: the tile's corner plus the position's
    offset in the tile (in tile pixels, 0 to 256), scaled as the tile is."""
    fraction_x, fraction_y = maps.mercator(lon, lat)
    n = 2**tile.zoom
    offset_x = (fraction_x * n - tile.column) * 256
    offset_y = (fraction_y * n - tile.row) * 256
    assert 0 <= offset_x < 256 and 0 <= offset_y < 256
    return tile.x + offset_x * tile.width / 256, tile.y + offset_y * tile.height / 256


@pytest.mark.parametrize("lon, lat", PLACES)
def test_a_position_lands_where_its_tile_is_placed_plus_its_scaled_offset(lon, lat):
    frame = maps.MercatorFrame.around(METROPOLE)
    tiles = frame.tiles(TILES)
    tile = _tile_holding(tiles, lon, lat)
    assert tile.href == f"https://tiles.example.fr/osm/11/{tile.column}/{tile.row}.png"
    # a zoom-11 tile drawn at zoom 10.87: scaled down, by 2^(10.87 − 11)
    scale = 2 ** (frame.zoom - 11)
    assert 0.5 < scale < 1
    assert (tile.width, tile.height) == (pytest.approx(256 * scale, abs=0.01),) * 2
    assert frame.xy(lon, lat) == pytest.approx(_place_in_tile(tile, lon, lat), abs=0.01)


def test_the_drawn_image_reaches_over_its_neighbours_without_moving_the_map():
    frame = maps.MercatorFrame.around(METROPOLE)
    tiles = frame.tiles(TILES)
    overlap = maps.TILE_OVERLAP
    assert 0 < overlap <= 0.5
    for tile in tiles:
        x, y = float(tile.image_x), float(tile.image_y)
        width, height = float(tile.image_width), float(tile.image_height)
        assert (x, y) == pytest.approx((tile.x - overlap, tile.y - overlap), abs=0.006)
        assert width == pytest.approx(tile.width + 2 * overlap, abs=0.006)
        assert height == pytest.approx(tile.height + 2 * overlap, abs=0.006)
    # the image is stretched by a pixel: what it shows moves by half a pixel at most
    for lon, lat in PLACES:
        tile = _tile_holding(tiles, lon, lat)
        fraction_x, fraction_y = maps.mercator(lon, lat)
        n = 2**tile.zoom
        shown_x = float(tile.image_x) + (fraction_x * n - tile.column) * float(tile.image_width)
        shown_y = float(tile.image_y) + (fraction_y * n - tile.row) * float(tile.image_height)
        x, y = frame.xy(lon, lat)
        assert abs(shown_x - x) <= overlap + 0.01 and abs(shown_y - y) <= overlap + 0.01


def test_clustered_markers_and_boundaries_share_the_tiles_projection():
    square = {
        "type": "Polygon",
        "coordinates": [
            [[3.80, 43.58], [3.95, 43.58], [3.95, 43.66], [3.80, 43.66], [3.80, 43.58]]
        ],
    }
    drawn = maps.feature_map(
        [(3.8767, 43.6108, "Comédie")], [], [(square, "Carré")], tile_url=TILES
    )
    frame = maps.MercatorFrame.around(
        maps.geometry_points(square), width=drawn.width, height=drawn.height, pad=0.02
    )
    [marker] = drawn.markers
    tile = _tile_holding(drawn.tiles, 3.8767, 43.6108)
    assert (marker.x, marker.y) == pytest.approx(_place_in_tile(tile, 3.8767, 43.6108), abs=0.01)
    # the boundary's corners, in the path, are where the same frame puts them: on their tiles
    x, y = frame.xy(3.80, 43.58)
    assert drawn.background[0].path.startswith(f"M{x:.1f},{y:.1f}L")
    corner = _place_in_tile(_tile_holding(drawn.tiles, 3.95, 43.66), 3.95, 43.66)
    assert f"L{corner[0]:.1f},{corner[1]:.1f}L" in drawn.background[0].path


def test_the_box_fills_the_drawing_as_without_tiles():
    frame = maps.MercatorFrame.around(METROPOLE)
    plain = maps.Frame.around(METROPOLE)
    # the fractional zoom at which the metropole's wider side meets the margin
    assert 10 < frame.zoom < 11
    assert frame.tiles(TILES)[0].zoom == 11
    for drawing in (frame, plain):
        (x0, y0), (x1, y1) = (drawing.xy(*p) for p in METROPOLE)
        assert 10 - 1e-6 <= x0 < x1 <= 630 + 1e-6 and 10 - 1e-6 <= y1 < y0 <= 470 + 1e-6
        # about 0.37° × 0.25°: the height reaches the margin, the width is centred
        assert y0 - y1 == pytest.approx(460)
        assert (x0 + x1) / 2 == pytest.approx(320)
    # Mercator stretches latitudes by 1 / cos φ, the plain frame by its mean latitude's: the same
    (px0, _), (px1, _) = (plain.xy(*p) for p in METROPOLE)
    (mx0, _), (mx1, _) = (frame.xy(*p) for p in METROPOLE)
    assert mx1 - mx0 == pytest.approx(px1 - px0, rel=0.01)


@pytest.mark.parametrize(
    "box, width, height, zoom, tile_zoom",
    [
        # whole zoom just above the drawing's: tiles scaled down
        (METROPOLE, 640, 480, 10.87, 11),
        ([(-180.0, -85.0), (180.0, 85.0)], 640, 480, 0.85, 1),
        # smaller than zoom 0's world: zoom-0 tiles scaled down further
        ([(-180.0, -85.0), (180.0, 85.0)], 120, 100, -1.67, 0),
        # a single position: street level, tiles drawn one to one
        ([(3.8767, 43.6108)], 640, 480, 16, 16),
        # a few metres: no deeper than the deepest tiles, the box centred
        ([(3.8767, 43.6108), (3.87671, 43.61081)], 640, 480, 18, 18),
        # too many tiles at zoom 13 for this drawing: zoom 12's, scaled up by less than two
        (METROPOLE, 1600, 1200, 12.23, 12),
    ],
)
def test_tile_zoom(box, width, height, zoom, tile_zoom):
    frame = maps.MercatorFrame.around(box, width=width, height=height)
    assert frame.zoom == pytest.approx(zoom, abs=0.01)
    tiles = frame.tiles(TILES)
    assert tiles and len(tiles) <= maps.MAX_TILES
    assert {t.zoom for t in tiles} == {tile_zoom}
    scale = 2 ** (frame.zoom - tile_zoom)
    assert 0 < scale < 2
    assert all(t.width == pytest.approx(256 * scale, abs=0.01) for t in tiles)


def test_a_whole_zoom_draws_its_tiles_one_to_one():
    # a box exactly 620 px wide at zoom 12 (a rounding error away from it in floating point)
    left = maps.mercator(3.70, 43.6)[0]
    right_lon = (left + 620 / (256 * 2**12)) * 360 - 180
    frame = maps.MercatorFrame.around([(3.70, 43.6), (right_lon, 43.6)])
    assert frame.zoom == pytest.approx(12)
    tiles = frame.tiles(TILES)
    assert {t.zoom for t in tiles} == {12}
    assert {(t.width, t.height) for t in tiles} == {(256.0, 256.0)}


def test_a_drawing_too_large_for_a_tile_server_has_no_tiles():
    frame = maps.MercatorFrame.around(METROPOLE, width=3000, height=2000)
    assert frame.tile_zooms() == [13, 12]
    assert frame.tiles(TILES) == []


def _assert_exact_cover(frame, tiles):
    assert tiles
    columns = sorted({(t.x, t.width) for t in tiles})
    rows = sorted({(t.y, t.height) for t in tiles})
    assert len(tiles) == len(columns) * len(rows)
    # a gapless grid: each tile's right (bottom) edge is its neighbour's left (top) edge
    for (x, width), (next_x, _) in zip(columns, columns[1:], strict=False):
        assert round(x + width, 2) == next_x
    for (y, height), (next_y, _) in zip(rows, rows[1:], strict=False):
        assert round(y + height, 2) == next_y
    # that reaches every edge of the drawing, and no further: every tile shows in the drawing
    assert columns[0][0] <= 0 < columns[0][0] + columns[0][1]
    assert columns[-1][0] < frame.width <= columns[-1][0] + columns[-1][1] + 0.01
    assert rows[0][0] <= 0 < rows[0][0] + rows[0][1]
    assert rows[-1][0] < frame.height <= rows[-1][0] + rows[-1][1] + 0.01


@pytest.mark.parametrize(
    "box, width, height",
    [
        (METROPOLE, 640, 480),
        ([(3.8767, 43.6108)], 640, 480),
        ([(2.25, 48.81), (2.42, 48.90)], 640, 480),  # Paris
        ([(-61.81, 15.83), (-61.0, 16.52)], 640, 480),  # Guadeloupe
        ([(55.21, -21.39), (55.84, -20.87)], 500, 300),  # La Réunion, south of the equator
        ([(3.70, 43.50), (4.07, 43.75)], 256, 256),
        (METROPOLE, 1600, 1200),  # at the zoom below
    ],
)
def test_tiles_cover_the_drawing_and_no_more(box, width, height):
    frame = maps.MercatorFrame.around(box, width=width, height=height)
    tiles = frame.tiles(TILES)
    _assert_exact_cover(frame, tiles)
    assert len({(t.column, t.row) for t in tiles}) == len(tiles)
    # the drawing's first and last pixels fall in the first and last tiles' columns and rows
    n = 2 ** tiles[0].zoom
    size = frame.world / n
    assert tiles[0].column == math.floor(frame.origin_x / size)
    assert tiles[-1].column == math.floor((frame.origin_x + width - 0.01) / size)
    assert tiles[0].row == math.floor(frame.origin_y / size)
    assert tiles[-1].row == math.floor((frame.origin_y + height - 0.01) / size)


def test_tiles_wrap_around_the_antimeridian():
    # Wallis-et-Futuna's east, drawn across 180°: the columns west of it are the world's last
    frame = maps.MercatorFrame.around([(-179.98, -14.5), (-179.8, -13.8)])
    tiles = frame.tiles(TILES)
    _assert_exact_cover(frame, tiles)
    n = 2 ** tiles[0].zoom
    columns = [t.column for t in sorted(tiles, key=lambda t: t.x) if t.row == tiles[0].row]
    assert columns == [n - 2, n - 1, 0, 1]
    assert f"/osm/{tiles[0].zoom}/{n - 2}/" in tiles[0].href
    # the world's last tile meets its first one where 180° falls in the drawing
    seam = frame.xy(-180.0, -14.0)[0]
    assert 0 < seam < 640
    assert any(t.column == 0 and t.x == pytest.approx(seam, abs=0.01) for t in tiles)


def test_nothing_above_or_below_the_poles():
    world = maps.MercatorFrame.around([(-180.0, -85.0), (180.0, 85.0)])
    tiles = world.tiles(TILES)
    # the world is narrower than the drawing: its two zoom-1 columns repeat east and west, but
    # only its two rows are asked for, and the drawing's margins above and below stay empty
    assert {(t.zoom, t.row) for t in tiles} == {(1, 0), (1, 1)}
    assert {t.column for t in tiles} == {0, 1}
    top = min(t.y for t in tiles)
    bottom = max(t.y + t.height for t in tiles)
    assert top == pytest.approx(world.xy(0, maps.MAX_LATITUDE)[1], abs=0.01) and top > 0
    assert bottom == pytest.approx(world.xy(0, -maps.MAX_LATITUDE)[1], abs=0.01)
    assert bottom < 480
    near_the_pole = maps.MercatorFrame.around([(-20.0, 80.0), (20.0, 85.0)])
    assert min(t.row for t in near_the_pole.tiles(TILES)) == 0
    assert min(t.y for t in near_the_pole.tiles(TILES)) > 0


def test_without_a_tile_server_the_map_is_unchanged():
    communes = [
        (
            {
                "type": "Polygon",
                "coordinates": [[[3.8, 43.6], [3.9, 43.6], [3.9, 43.7], [3.8, 43.6]]],
            },
            "A",
            "/a/",
        ),
    ]
    plain = maps.svg_map(communes)
    assert plain["tiles"] == []
    frame = maps.Frame.around([(3.8, 43.6), (3.9, 43.6), (3.9, 43.7), (3.8, 43.6)])
    assert plain["shapes"][0].path == frame.path([communes[0][0]["coordinates"][0]])
    tiled = maps.svg_map(communes, tile_url=TILES)
    mercator = maps.MercatorFrame.around([(3.8, 43.6), (3.9, 43.6), (3.9, 43.7), (3.8, 43.6)])
    assert tiled["tiles"] == mercator.tiles(TILES) != []
    assert tiled["shapes"][0].path == mercator.path([communes[0][0]["coordinates"][0]])
    assert maps.feature_map([(3.85, 43.65, "x")], [], []).tiles == []


# ------------------------------------------------------------------ pages


def _images(html: str) -> list[tuple[str, float, float, float, float]]:
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    return [(href, *map(float, box)) for href, *box in IMAGE.findall(svg)]


def _assert_tiled(response):
    html = response.content.decode()
    images = _images(html)
    # tiles scaled down by up to half: as many as 30 may cover a 640 × 480 drawing
    assert 6 <= len(images) <= maps.MAX_TILES, images
    assert html.count("<image ") == len(images)
    assert all(
        re.fullmatch(r"https://tiles\.example\.fr/osm/\d+/\d+/\d+\.png", image[0])
        for image in images
    )
    # decorative, behind everything the map says: the first drawing in the SVG, hidden from AT
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert '<g class="tiles" aria-hidden="true"><image ' in svg
    assert svg.index("<image ") < svg.index("<path ")
    assert "with-tiles" in html
    assert (
        '<small class="map-attribution">Fond de carte : © les contributeurs d&#x27;OpenStreetMap'
        in html
    )
    assert ORIGIN in response.headers["Content-Security-Policy"]
    return html


def _assert_plain(response):
    html = response.content.decode()
    assert "<image" not in html and "with-tiles" not in html and "map-attribution" not in html
    assert "tiles.example.fr" not in response.headers["Content-Security-Policy"]
    return html


@pytest.mark.django_db
def test_home_map_over_tiles(client, montpellier, tiles_on):
    html = _assert_tiled(client.get(reverse("web:home")))
    assert html.count('<path d="M') == 31  # every commune still drawn and linked
    images = _images(html)
    assert {re.search(r"/osm/(\d+)/", image[0]).group(1) for image in images} == {"11"}
    # zoom-11 tiles scaled down to the metropole's zoom, between 10 and 11
    assert all(128 < width < 256 and abs(height - width) < 0.02 for *_, width, height in images)


@pytest.mark.django_db
def test_home_map_without_tiles(client, montpellier, settings):
    settings.TERRITOIRE_TILE_URL = ""
    html = _assert_plain(client.get(reverse("web:home")))
    assert html.count('<path d="M') == 31


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/territoires/communes/34172/", "/territoires/epci/243400017/"])
def test_territory_maps_over_tiles_or_not(client, montpellier, settings, path):
    settings.TERRITOIRE_TILE_URL = ""
    plain = _assert_plain(client.get(path))
    settings.TERRITOIRE_TILE_URL = TILES
    settings.TERRITOIRE_TILE_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
    tiled = _assert_tiled(client.get(path))
    assert tiled.count('<path d="M') == plain.count('<path d="M') >= 1


@pytest.mark.django_db
def test_dataset_map_over_tiles_or_not(client, defibrillators, settings):
    path = f"/jeux-de-donnees/{defibrillators.slug}/"
    settings.TERRITOIRE_TILE_URL = ""
    plain = _assert_plain(client.get(path))
    settings.TERRITOIRE_TILE_URL = TILES
    settings.TERRITOIRE_TILE_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
    tiled = _assert_tiled(client.get(path))
    # every position is still drawn (grouped by the grid of this drawing), inside the drawing
    markers = {}
    for name, html in (("plain", plain), ("tiled", tiled)):
        svg = html.split('<g class="markers">', 1)[1].split("</svg>", 1)[0]
        groups = [int(n) for n in re.findall(r"<text [^>]*>(\d+)</text>", svg)]
        assert sum(groups) + svg.count('<g class="marker">') == 167
        circles = re.findall(r'<circle cx="([\d.-]+)" cy="([\d.-]+)"', svg)
        for cx, cy in circles:
            assert 0 <= float(cx) <= 640 and 0 <= float(cy) <= 480
        markers[name] = [(float(cx), float(cy)) for cx, cy in circles]
    # over tiles the data fills the drawing as it does alone: as many groups, as widely spread
    assert len(markers["tiled"]) == pytest.approx(len(markers["plain"]), rel=0.1)
    for axis in (0, 1):
        spread = {
            name: max(m[axis] for m in ms) - min(m[axis] for m in ms)
            for name, ms in markers.items()
        }
        assert spread["tiled"] == pytest.approx(spread["plain"], rel=0.05), (axis, spread)


@pytest.mark.django_db
def test_tile_url_and_attribution_are_escaped(client, montpellier, settings):
    settings.TERRITOIRE_TILE_URL = 'https://t.example.fr/{z}/{x}/{y}.png?key=a&style="><script>x'
    settings.TERRITOIRE_TILE_ATTRIBUTION = "<b>OSM</b> & co"
    html = client.get(reverse("web:home")).content.decode()
    assert "<script>x" not in html and "<b>OSM" not in html
    hrefs = re.findall(r'<image href="([^"]*)"', html)
    assert hrefs
    for href in hrefs:
        assert "&amp;style=&quot;&gt;&lt;script&gt;x" in href
        assert re.fullmatch(
            r"https://t\.example\.fr/11/\d+/\d+\.png\?key=a&style=\"><script>x",
            html_lib.unescape(href),
        )
    assert "Fond de carte : &lt;b&gt;OSM&lt;/b&gt; &amp; co" in html
