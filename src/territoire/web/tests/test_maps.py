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
IMAGE = re.compile(r'<image href="([^"]*)" x="(-?\d+)" y="(-?\d+)" width="256" height="256"/>')


@pytest.fixture
def tiles_on(settings):
    settings.TERRITOIRE_TILE_URL = TILES
    settings.TERRITOIRE_TILE_ORIGIN = ORIGIN
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


def test_tile_href_fills_the_template():
    assert maps.tile_href(TILES, 12, 2092, 1495) == "https://tiles.example.fr/osm/12/2092/1495.png"
    subdomains = "https://{s}.tile.example.fr/{z}/{x}/{y}.png"
    assert maps.tile_href(subdomains, 3, 1, 2) == "https://a.tile.example.fr/3/1/2.png"
    assert maps.tile_href(subdomains, 3, 1, 3) == "https://b.tile.example.fr/3/1/3.png"


def _tile_holding(frame, tiles, lon, lat):
    column, row = maps.tile_of(lon, lat, frame.zoom)
    [tile] = [t for t in tiles if (t.column, t.row) == (column, row)]
    return tile


@pytest.mark.parametrize("lon, lat", PLACES)
def test_a_position_lands_where_its_tile_is_placed_plus_its_offset_in_the_tile(lon, lat):
    frame = maps.MercatorFrame.around(METROPOLE)
    tiles = frame.tiles(TILES)
    tile = _tile_holding(frame, tiles, lon, lat)
    assert tile.href == f"https://tiles.example.fr/osm/{frame.zoom}/{tile.column}/{tile.row}.png"
    fraction_x, fraction_y = maps.mercator(lon, lat)
    n = 2**frame.zoom
    offset_x = (fraction_x * n - tile.column) * 256
    offset_y = (fraction_y * n - tile.row) * 256
    assert 0 <= offset_x < 256 and 0 <= offset_y < 256
    assert frame.xy(lon, lat) == pytest.approx((tile.x + offset_x, tile.y + offset_y), abs=1e-6)


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
    tile = _tile_holding(frame, drawn.tiles, 3.8767, 43.6108)
    fraction_x, fraction_y = maps.mercator(3.8767, 43.6108)
    n = 2**frame.zoom
    assert marker.x == pytest.approx(tile.x + (fraction_x * n - tile.column) * 256, abs=1e-6)
    assert marker.y == pytest.approx(tile.y + (fraction_y * n - tile.row) * 256, abs=1e-6)
    # the boundary's first corner, in the path, is where the same frame puts it
    x, y = frame.xy(3.80, 43.58)
    assert drawn.background[0].path.startswith(f"M{x:.1f},{y:.1f}L")


def test_zoom_is_the_largest_where_the_box_fits_the_drawing():
    frame = maps.MercatorFrame.around(METROPOLE)
    (left, bottom), (right, top) = (maps.mercator(*p) for p in METROPOLE)
    inner_w, inner_h = 640 - 20, 480 - 20

    def fits(zoom):
        scale = 256 * 2**zoom
        return (right - left) * scale <= inner_w and (bottom - top) * scale <= inner_h

    assert fits(frame.zoom) and not fits(frame.zoom + 1)
    assert frame.zoom == 10  # the metropole is about 0.37° × 0.25°
    for lon, lat in METROPOLE:  # the box lies inside the drawing, within its margin
        x, y = frame.xy(lon, lat)
        assert 10 - 0.5 <= x <= 630 + 0.5 and 10 - 0.5 <= y <= 470 + 0.5


def test_zoom_is_clamped():
    assert maps.MercatorFrame.around([(3.8767, 43.6108)]).zoom == maps.POINT_ZOOM
    assert maps.MercatorFrame.around([(3.8767, 43.6108), (3.87671, 43.61081)]).zoom == 18
    world = maps.MercatorFrame.around([(-180.0, -85.0), (180.0, 85.0)])
    assert world.zoom == 0
    tiles = world.tiles(TILES)
    # at zoom 0 the drawing is wider than the world: the one tile repeats east and west, and
    # nothing is asked for above or below the poles
    assert {(t.zoom, t.column, t.row) for t in tiles} == {(0, 0, 0)}
    assert all(t.y == tiles[0].y for t in tiles)


def _assert_exact_cover(frame, tiles):
    assert tiles
    size = 256
    # every tile shows in the drawing: none is fetched for nothing
    for tile in tiles:
        assert tile.x < frame.width and tile.x + size > 0
        assert tile.y < frame.height and tile.y + size > 0
    # the tiles form a gapless grid that reaches every edge of the drawing
    xs = sorted({t.x for t in tiles})
    ys = sorted({t.y for t in tiles})
    assert len(tiles) == len(xs) * len(ys)
    assert all(b - a == size for a, b in zip(xs, xs[1:], strict=False))
    assert all(b - a == size for a, b in zip(ys, ys[1:], strict=False))
    assert xs[0] <= 0 and xs[-1] + size >= frame.width
    assert ys[0] <= 0 and ys[-1] + size >= frame.height
    assert len({(t.column, t.row) for t in tiles}) == len(tiles)


@pytest.mark.parametrize(
    "box, width, height",
    [
        (METROPOLE, 640, 480),
        ([(3.8767, 43.6108)], 640, 480),
        ([(2.25, 48.81), (2.42, 48.90)], 640, 480),  # Paris
        ([(-61.81, 15.83), (-61.0, 16.52)], 640, 480),  # Guadeloupe
        ([(55.21, -21.39), (55.84, -20.87)], 500, 300),  # La Réunion, south of the equator
        ([(3.70, 43.50), (4.07, 43.75)], 256, 256),
    ],
)
def test_tiles_cover_the_drawing_and_no_more(box, width, height):
    frame = maps.MercatorFrame.around(box, width=width, height=height)
    tiles = frame.tiles(TILES)
    _assert_exact_cover(frame, tiles)
    expected = (math.ceil(width / 256) + 1) * (math.ceil(height / 256) + 1)
    assert len(tiles) <= expected


def test_a_drawing_too_large_for_a_tile_server_has_no_tiles():
    frame = maps.MercatorFrame.around(METROPOLE, width=3000, height=2000)
    assert frame.tiles(TILES) == []


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
    assert tiled["tiles"] and tiled["shapes"][0].path != plain["shapes"][0].path
    assert maps.feature_map([(3.85, 43.65, "x")], [], []).tiles == []


# ------------------------------------------------------------------ pages


def _images(html: str) -> list[tuple[str, int, int]]:
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    return [(href, int(x), int(y)) for href, x, y in IMAGE.findall(svg)]


def _assert_tiled(response):
    html = response.content.decode()
    images = _images(html)
    assert 6 <= len(images) <= 12, images
    assert html.count("<image ") == len(images)
    assert all(
        re.fullmatch(r"https://tiles\.example\.fr/osm/\d+/\d+/\d+\.png", h) for h, _, _ in images
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
    zooms = {re.search(r"/osm/(\d+)/", h).group(1) for h, _, _ in _images(html)}
    assert zooms == {"10"}


@pytest.mark.django_db
def test_home_map_without_tiles(client, montpellier, settings):
    settings.TERRITOIRE_TILE_URL = ""
    settings.TERRITOIRE_TILE_ORIGIN = ""
    html = _assert_plain(client.get(reverse("web:home")))
    assert html.count('<path d="M') == 31


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/territoires/communes/34172/", "/territoires/epci/243400017/"])
def test_territory_maps_over_tiles_or_not(client, montpellier, settings, path):
    settings.TERRITOIRE_TILE_URL = ""
    settings.TERRITOIRE_TILE_ORIGIN = ""
    plain = _assert_plain(client.get(path))
    settings.TERRITOIRE_TILE_URL = TILES
    settings.TERRITOIRE_TILE_ORIGIN = ORIGIN
    settings.TERRITOIRE_TILE_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
    tiled = _assert_tiled(client.get(path))
    assert tiled.count('<path d="M') == plain.count('<path d="M') >= 1


@pytest.mark.django_db
def test_dataset_map_over_tiles_or_not(client, defibrillators, settings):
    path = f"/jeux-de-donnees/{defibrillators.slug}/"
    settings.TERRITOIRE_TILE_URL = ""
    settings.TERRITOIRE_TILE_ORIGIN = ""
    plain = _assert_plain(client.get(path))
    settings.TERRITOIRE_TILE_URL = TILES
    settings.TERRITOIRE_TILE_ORIGIN = ORIGIN
    settings.TERRITOIRE_TILE_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
    tiled = _assert_tiled(client.get(path))
    # every position is still drawn (grouped by the grid of this drawing), inside the drawing
    for html in (plain, tiled):
        svg = html.split('<g class="markers">', 1)[1].split("</svg>", 1)[0]
        groups = [int(n) for n in re.findall(r"<text [^>]*>(\d+)</text>", svg)]
        assert sum(groups) + svg.count('<g class="marker">') == 167
        for cx, cy in re.findall(r'<circle cx="([\d.-]+)" cy="([\d.-]+)"', svg):
            assert 0 <= float(cx) <= 640 and 0 <= float(cy) <= 480


@pytest.mark.django_db
def test_tile_url_and_attribution_are_escaped(client, montpellier, settings):
    settings.TERRITOIRE_TILE_URL = 'https://t.example.fr/{z}/{x}/{y}.png?key=a&style="><script>x'
    settings.TERRITOIRE_TILE_ORIGIN = "https://t.example.fr"
    settings.TERRITOIRE_TILE_ATTRIBUTION = "<b>OSM</b> & co"
    html = client.get(reverse("web:home")).content.decode()
    assert "<script>x" not in html and "<b>OSM" not in html
    hrefs = re.findall(r'<image href="([^"]*)"', html)
    assert hrefs
    for href in hrefs:
        assert "&amp;style=&quot;&gt;&lt;script&gt;x" in href
        assert re.fullmatch(
            r"https://t\.example\.fr/10/\d+/\d+\.png\?key=a&style=\"><script>x",
            html_lib.unescape(href),
        )
    assert "Fond de carte : &lt;b&gt;OSM&lt;/b&gt; &amp; co" in html
