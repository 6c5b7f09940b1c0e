"""The demo's internal indicator on the water meters (the readings the delegate pushes): its
values are the file's daily sums; the anonymous portal and APIs do not show it, nor its
internal « Eau » dashboard; an agent and the data officer do."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from territoire.accounts.models import User
from territoire.demo.access import _readings_csv

pytestmark = pytest.mark.django_db

SLUG = "volume-eau-distribue-par-jour"
SERIES = f"indicateur-{SLUG}"


def daily_sums() -> Counter:
    """The delegate's file read with the csv module (not through the app)."""
    sums: Counter = Counter()
    for row in csv.DictReader(io.StringIO(_readings_csv()), delimiter=";"):
        day, month, year = row["date_releve"].split("/")
        sums[f"{year}-{month}-{day}"] += int(row["volume_m3"])
    return sums


def test_demo_water_indicator_is_internal_and_right(client):
    from territoire.demo.services import demo_build
    from territoire.indicators.models import Dashboard, Indicator

    report = demo_build(password="un mot de passe de démo solide")
    assert SLUG in report.indicators
    indicator = Indicator.objects.get(slug=SLUG)
    assert indicator.access_level == "internal" and not indicator.is_published
    assert indicator.state == "ok"
    assert Dashboard.objects.get(slug="eau").access_level == "internal"
    expected = daily_sums()
    assert len(expected) == 31

    anonymous = {
        "/indicateurs/": SLUG,
        "/tableaux-de-bord/": "/tableaux-de-bord/eau/",
        "/api/v1/indicators": SLUG,
        "/api/v1/dashboards": '"eau"',
        "/api/v1/datasets": SERIES,
        "/api/explore/v2.1/catalog/datasets": SERIES,
        "/api/3/action/package_list": SERIES,
        "/catalogue.jsonld": SERIES,
    }
    for url, hidden in anonymous.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert hidden not in response.content.decode(), url
    for url in (f"/indicateurs/{SLUG}/", "/tableaux-de-bord/eau/", "/tableaux-de-bord/eau/blocs/1.png",
                f"/api/v1/indicators/{SLUG}", "/api/v1/dashboards/eau"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/datasets/{SERIES}/records").status_code in (401, 403, 404)

    client.force_login(User.objects.get(username="admin"))
    records = client.get(f"/api/v1/datasets/{SERIES}/records?limit=100").json()
    served = {r["periode"]: r["valeur"] for r in records["results"]}
    assert served == {day: pytest.approx(float(total)) for day, total in expected.items()}
    html = client.get("/tableaux-de-bord/eau/").content.decode()
    assert 'class="chart-svg chart-bar"' in html and indicator.title in html
    assert "2025-01-01" in html and "2025-01-31" in html
    assert client.get("/tableaux-de-bord/eau/blocs/1.png")["Content-Type"] == "image/png"
    client.force_login(User.objects.get(username="agent"))
    assert SLUG in client.get("/api/v1/indicators").content.decode()
