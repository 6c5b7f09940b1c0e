"""Bar and stacked-bar blocks (drawn on the server, with their text alternative and table) and
each block's exports: CSV, SVG and PNG, for whoever may see the dashboard, audited when the
indicator is not public."""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from territoire.indicators import services
from territoire.indicators.selectors.charts import (
    SERIES_STYLES,
    bar_chart,
    contrast_ratio,
    stacked_chart,
    stacked_series,
)
from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def board(places, data_officer, service):
    return services.dashboard_create(
        actor=data_officer, title="Barres", publisher_service=service, access_level="public",
        blocks=[
            {"kind": "kpi", "indicator": places.slug},
            {"kind": "bar", "indicator": places.slug},
            {"kind": "stacked", "indicator": places.slug},
            {"kind": "map", "indicator": places.slug},
            {"kind": "text", "text": "Un texte."},
        ],
    )  # fmt: skip


def test_bar_and_stacked_blocks_are_accessible_svg_with_their_tables(client, board):
    html = client.get(f"/tableaux-de-bord/{board.slug}/").content.decode()
    assert 'class="chart-svg chart-bar" role="img" aria-labelledby="block-1-t block-1-d"' in html
    assert 'class="chart-svg chart-stacked" role="img"' in html
    # The stacked series: Aville (5 then 15) and Béville (10 then 12); Céville has no value.
    assert 'fill="url(#block-2-p0)"' in html and 'fill="url(#block-2-p1)"' in html
    assert "Béville, 2019 : 10</title>" in html and "Aville, 2021 : 15</title>" in html
    assert "valeurs par territoire et par période" in html
    assert '<th scope="col" class="num">Aville</th>' in html
    assert "Barres empilées, 2 séries" in html and "minimum 15 (2019), maximum 27 (2021)" in html
    for position, fmt in ((1, "svg"), (1, "png"), (2, "png"), (3, "svg"), (0, "csv")):
        assert f"/tableaux-de-bord/{board.slug}/blocs/{position}.{fmt}" in html
    assert "/blocs/0.svg" not in html  # a KPI tile has no drawing to export
    assert "<script" not in html.split("<main", 1)[-1]


def test_block_exports_csv_svg_png(client, board):
    base = f"/tableaux-de-bord/{board.slug}/blocs"
    stacked_csv = client.get(f"{base}/2.csv")
    assert stacked_csv.status_code == 200 and stacked_csv["Content-Type"].startswith("text/csv")
    lines = stacked_csv.content.decode().splitlines()
    assert lines[0] == "periode,territoire,valeur,unite"
    assert "2019,Aville,5.0,places" in lines and "2021,Béville,12.0,places" in lines
    ranking = client.get(f"{base}/3.csv").content.decode().splitlines()
    assert ranking[:2] == ["periode,rang,code_territoire,territoire,valeur,unite",
                           "2021,1,34001,Aville,15.0,places"]  # fmt: skip
    svg = client.get(f"{base}/1.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert f'filename="{board.slug}-2-places-pour-1000-habitants.svg"' in svg["Content-Disposition"]
    root = ET.fromstring(svg.content)  # noqa: S314 (our own output)
    assert root.get("role") == "img" and root.get("width") == "560"
    assert root.find(f"{SVG}text").text.startswith("Places pour 1000 habitants")  # drawn title
    assert root.find(f"{SVG}title").text.startswith("Places pour 1000 habitants")
    assert len(root.findall(f".//{SVG}rect")) >= 3  # the background and two bars
    png = client.get(f"{base}/2.png")
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.size[0] == 1120  # twice the SVG's 560 units
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 3  # drawn, not blank
    map_png = client.get(f"{base}/3.png")
    assert Image.open(io.BytesIO(map_png.content)).format == "PNG"
    assert b"Aville" in client.get(f"{base}/3.svg").content
    for wrong in ("0.svg", "4.csv", "9.csv", "1.pdf"):  # KPI drawing, text block, none, format
        assert client.get(f"{base}/{wrong}").status_code == 404
    assert not AuditEvent.objects.filter(action="read").exists()  # public data: no read event


def test_internal_dashboard_exports_are_checked_and_audited(
    client, delibs, data_officer, service, agent, citizen
):
    indicator = services.indicator_create(
        actor=data_officer, title="Délibérations par mois", publisher_service=service,
        definition={"dataset": "deliberations", "measure": {"kind": "count"},
                    "period": {"column": "date_cm", "truncate": "month"},
                    "territory": {"code": "34172"}},
    )  # fmt: skip
    services.indicator_compute(actor=data_officer, indicator=indicator)
    board = services.dashboard_create(actor=data_officer, title="Interne", publisher_service=service,
                                      blocks=[{"kind": "bar", "indicator": indicator.slug}])  # fmt: skip
    url = f"/tableaux-de-bord/{board.slug}/blocs/0.svg"
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="read").exists()
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200 and b"<svg" in response.content
    event = AuditEvent.objects.get(action="read")
    assert event.actor == agent and event.object_id == str(indicator.series.pk)
    assert event.reason == f"tableau de bord {board.slug} : bloc 0 en svg"


def test_chart_drawings():
    bars = bar_chart([("2023", 4.0), ("2024", None), ("2025", -2.0)])
    assert [b["label"] for b in bars["bars"]] == ["2023", "2025"]  # the missing one left out
    first, last = bars["bars"]
    assert float(first["y"]) + float(first["h"]) == pytest.approx(float(bars["zero"]), abs=0.1)
    assert float(last["y"]) == pytest.approx(float(bars["zero"]), abs=0.1)  # below zero
    assert bar_chart([("2023", None)]) is None
    days = bar_chart([(f"2025-01-{d:02d}", float(d)) for d in range(1, 32)])
    shown = [label for _, label in days["x_labels"]]
    assert shown[0] == "2025-01-01" and shown[-1] == "2025-01-31" and len(shown) < 10
    xs = [float(x) for x, _ in days["x_labels"]]
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 10 * 7  # ten characters never overlap
    assert len(bar_chart([(str(y), 1.0) for y in range(2013, 2025)])["x_labels"]) == 12
    rows = [{"periode": "2024", "code_territoire": f"3400{i}", "territoire": f"T{i}",
             "valeur": str(i)} for i in range(1, 9)]  # fmt: skip
    rows.append({"periode": "2024", "code_territoire": "EPCI", "territoire": "E", "valeur": "99"})
    periods, series = stacked_series(rows, exclude="EPCI")
    # Eight territories: the five largest stay, the three smallest add up (1 + 2 + 3).
    assert [name for name, _ in series] == ["T8", "T7", "T6", "T5", "T4", "Autres territoires"]
    assert series[-1][1] == [6.0]
    chart = stacked_chart(periods, series)
    assert chart["totals"] == [36.0] and len(chart["legend"]) == 6
    assert stacked_chart(["2024"], [("A", [-1.0])]) is None  # negative values do not stack
    patterns = {pattern for _, pattern in SERIES_STYLES}
    assert len(patterns) == len(SERIES_STYLES)  # each series its own pattern, not just a colour
    assert all(contrast_ratio(colour, "#ffffff") >= 4.5 for colour, _ in SERIES_STYLES)
