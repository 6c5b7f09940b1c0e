"""The portal's comparison (ranking, choropleth, EPCI reference), evaluation and dashboard
pages: readable without JavaScript, what each reader may see."""

from __future__ import annotations

import datetime as dt

import pytest

from territoire.indicators import services

from .conftest import PLACES_BY_CODE, write

pytestmark = pytest.mark.django_db


def test_comparison_ranks_maps_and_gives_the_epci_reference(client, places):
    response = client.get(f"/indicateurs/{places.slug}/comparaison/")
    assert response.status_code == 200
    html = response.content.decode()
    # 2021: Béville 6/500 → 12, Aville 30/2000 → 15; Céville has no population → no value.
    assert html.index("Aville") < html.index("Béville") < html.rindex("Céville")
    assert "Agglo d&#x27;Essai" in html or "Agglo d'Essai" in html
    # The EPCI: (30 + 6) / 2500 inhabitants? No: Céville's population is unknown → not computed.
    assert "non calculable" in html
    assert 'class="choro-' in html and "<svg" in html and "<table" in html
    assert "<script" not in html.split("<main", 1)[-1]
    older = client.get(f"/indicateurs/{places.slug}/comparaison/?periode=2019").content.decode()
    assert "Classement en 2019" in older


def test_comparison_reference_when_every_population_is_known(client, places, communes):
    communes[2].population = 500
    communes[2].save()
    services.indicator_compute(actor=None, indicator=places)
    html = client.get(f"/indicateurs/{places.slug}/comparaison/").content.decode()
    assert "<strong>12,67 places</strong>" in html  # (30 + 6 + 2) places / 3000 inhabitants × 1000


def test_evaluation_page(client, places, data_officer):
    evaluation = services.evaluation_create(
        actor=data_officer, indicator=places, title="Nouveau parking", intervention_date=dt.date(2020, 1, 1),
        treated=["34001"], comparison=["34002"],
    )  # fmt: skip
    html = client.get(f"/evaluations/{evaluation.slug}/").content.decode()
    # Aville 5 → 15 (+10), Béville 10 → 12 (+2): 8 more.
    assert "8\xa0places de plus" in html and "parallèle" in html
    assert (
        client.get(f"/indicateurs/{places.slug}/")
        .content.decode()
        .count(f"/evaluations/{evaluation.slug}/")
        == 1
    )


def test_dashboards_public_and_internal(client, places, data_officer, service, agent):
    public = services.dashboard_create(actor=data_officer, title="Le territoire en chiffres",
                                       publisher_service=service, indicators=[places.slug],
                                       access_level="public")  # fmt: skip
    internal = services.dashboard_create(actor=data_officer, title="Finances", publisher_service=service,
                                         indicators=[places.slug])  # fmt: skip
    listing = client.get("/tableaux-de-bord/").content.decode()
    assert public.title in listing and internal.title not in listing
    html = client.get(f"/tableaux-de-bord/{public.slug}/").content.decode()
    assert "<polyline" in html and places.title in html
    assert client.get(f"/tableaux-de-bord/{internal.slug}/").status_code == 404
    client.force_login(agent)
    assert client.get(f"/tableaux-de-bord/{internal.slug}/").status_code == 200


def test_dashboard_queries_do_not_grow_with_the_tiles(client, places, data_officer, service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(slugs: list[str]) -> int:
        dashboard = services.dashboard_create(actor=data_officer, title=f"T{len(slugs)}",
                                              publisher_service=service, indicators=slugs,
                                              access_level="public")  # fmt: skip
        client.get(f"/tableaux-de-bord/{dashboard.slug}/")  # warm (sessions, caches)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/tableaux-de-bord/{dashboard.slug}/").status_code == 200
        return len(captured)

    others = []
    for n in range(3):
        other = services.indicator_create(actor=data_officer, title=f"Places {n}", publisher_service=service,
                                          definition=PLACES_BY_CODE, access_level="public")  # fmt: skip
        services.indicator_compute(actor=data_officer, indicator=other)
        services.indicator_publish(actor=data_officer, indicator=other, reason="source publique")
        others.append(other.slug)
    one, four = queries([places.slug]), queries([places.slug, *others])
    assert one <= 12 and four - one <= 3  # one query per extra tile (its series dataset)


def test_territory_and_dataset_pages_link_the_indicators(client, places, communes):
    html = client.get("/territoires/communes/34001/").content.decode()
    assert f"/indicateurs/{places.slug}/comparaison/" in html
    assert "1 sur 2" in html  # Aville ranks first of the two communes with a value
    html = client.get("/jeux-de-donnees/places/").content.decode()
    assert f'href="/indicateurs/{places.slug}/"' in html


def test_embed_view_exports_and_the_officers_origins(
    client, places, data_officer, steward, service
):
    from territoire.core.errors import PermissionRefused, ValidationFailed

    dashboard = services.dashboard_create(actor=data_officer, title="En chiffres", publisher_service=service,
                                          indicators=[places.slug], access_level="public")  # fmt: skip
    response = client.get(f"/tableaux-de-bord/{dashboard.slug}/integration/")
    assert response.status_code == 200 and "X-Frame-Options" not in response.headers
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    with pytest.raises(PermissionRefused):
        services.dashboard_embed_set(
            actor=steward, dashboard=dashboard, origins=["https://ville.fr"]
        )
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_embed_set(
            actor=data_officer, dashboard=dashboard, origins=["https://ville.fr/page"]
        )
    assert caught.value.where == "embed_origins"
    services.dashboard_embed_set(actor=data_officer, dashboard=dashboard,
                                 origins=["https://ville.fr/", " https://www.metropole.fr "])  # fmt: skip
    csp = client.get(f"/tableaux-de-bord/{dashboard.slug}/integration/")["Content-Security-Policy"]
    assert "frame-ancestors https://ville.fr https://www.metropole.fr" in csp
    assert (
        "frame-ancestors 'none'"
        in client.get(f"/tableaux-de-bord/{dashboard.slug}/")["Content-Security-Policy"]
    )
    services.dashboard_update(actor=data_officer, dashboard=dashboard, access_level="internal")
    assert dashboard.embed_origins == []
    client.force_login(data_officer)
    assert client.get(f"/tableaux-de-bord/{dashboard.slug}/integration/").status_code == 404
    csv_response = client.get(f"/tableaux-de-bord/{dashboard.slug}/tuiles/{places.slug}.csv")
    assert csv_response.status_code == 200
    assert csv_response.content.decode().splitlines()[0] == "periode,territoire,valeur,unite"
    svg = client.get(f"/indicateurs/{places.slug}/comparaison/carte.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    text = svg.content.decode()
    assert 'fill="#' in text and "Aville" in text and "<title" in text


def test_quartiers_compare_against_their_commune(make_dataset, ingest, tmp_path, communes, data_officer,
                                                 service):  # fmt: skip
    from territoire.indicators import selectors
    from territoire.territories.models import Territory

    aville = communes[0]
    for code, name, population in (("Q1", "Centre", 1200), ("Q2", "Gare", 800)):
        Territory.objects.create(kind="quartier", code=code, name=name, population=population,
                                 parent=aville)  # fmt: skip
    dataset = make_dataset("Bancs", slug="bancs", access_level="public", publish=True)
    ingest(dataset, write(tmp_path, "b.csv", ["quartier;bancs", "Q1;12", "Q2;4"]))
    indicator = services.indicator_create(
        actor=data_officer, title="Bancs pour 1000 habitants", publisher_service=service,
        definition={"dataset": "bancs", "measure": {"kind": "sum", "column": "bancs"},
                    "reference_period": "2024", "territory": {"column": "quartier"},
                    "normalisation": {"kind": "per_1000"}},
        granularity="quartier",
    )  # fmt: skip
    services.indicator_compute(actor=data_officer, indicator=indicator)
    comparison = selectors.comparison_for(data_officer, indicator)
    assert comparison.reference_name == "Aville"
    assert [(r.name, r.value) for r in comparison.ranking] == [("Centre", 10.0), ("Gare", 5.0)]
    assert comparison.reference_value == 8.0  # 16 benches / 2000 inhabitants × 1000


def test_dashboard_blocks_chart_map_table_and_text(client, places, data_officer, service):
    from territoire.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(actor=data_officer, title="X", publisher_service=service,
                                  blocks=[{"kind": "text", "text": ""}])  # fmt: skip
    assert caught.value.where == "blocks"
    with pytest.raises(ValidationFailed):
        services.dashboard_create(actor=data_officer, title="X", publisher_service=service,
                                  blocks=[{"kind": "chart"}])  # fmt: skip
    dashboard = services.dashboard_create(
        actor=data_officer, title="Blocs", publisher_service=service, access_level="public",
        blocks=[
            {"kind": "text", "text": "## Le stationnement\n\nUne *phrase* <script>x</script>"},
            {"kind": "chart", "indicator": places.slug},
            {"kind": "map", "indicator": places.slug},
            {"kind": "table", "indicator": places.slug},
        ],
    )  # fmt: skip
    html = client.get(f"/tableaux-de-bord/{dashboard.slug}/").content.decode()
    assert "<em>phrase</em>" in html and "<script>x" not in html
    assert 'class="chart-svg chart-line"' in html and "2019" in html and "2021" in html
    assert 'class="choro-' in html
    assert "Classement en 2021" in html
    data = client.get(f"/api/v1/dashboards/{dashboard.slug}").json()
    assert [t["kind"] for t in data["tiles"]] == ["text", "chart", "map", "table"]
    assert data["tiles"][0]["indicator"] is None


def test_dashboard_filters_in_the_url(client, places, data_officer, service):
    dashboard = services.dashboard_create(actor=data_officer, title="Filtres", publisher_service=service,
                                          indicators=[places.slug], access_level="public")  # fmt: skip
    html = client.get(
        f"/tableaux-de-bord/{dashboard.slug}/?territoire=34002&periode=2019"
    ).content.decode()
    # Béville in 2019: 5 places / 500 inhabitants × 1000 = 10
    assert '<p class="tile-value">10' in html and "Béville, 2019" in html
    assert '<option value="34002" selected>' in html
    plain = client.get(f"/tableaux-de-bord/{dashboard.slug}/?territoire=99999").content.decode()
    # An unknown code changes nothing: no overall value (Céville's population is unknown), so
    # the first commune.
    assert "Aville, 2021" in plain
