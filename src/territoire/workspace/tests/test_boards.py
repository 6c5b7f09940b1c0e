"""The dashboard composer, evaluations in the workspace, and the builder's spatial join and
join fields: no code needed, refusals on their field, nothing written on refusal."""

from __future__ import annotations

import pytest

from territoire.indicators import services
from territoire.indicators.models import Dashboard, Evaluation, Indicator
from territoire.indicators.tests.conftest import DELIB_COUNT, DELIBS

pytestmark = pytest.mark.django_db


@pytest.fixture
def delibs(make_dataset, data_officer):
    from territoire.lake import services as lake_services

    dataset = make_dataset("Délibérations", slug="deliberations", access_level="internal")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=DELIBS)
    return dataset


@pytest.fixture
def indicator(delibs, steward, service):
    from territoire.territories.models import Territory

    Territory.objects.create(kind="commune", code="34172", name="Montpellier")
    made = services.indicator_create(actor=steward, title="Délibérations", publisher_service=service,
                                     definition=DELIB_COUNT)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=made)
    return made


def test_dashboard_composer(client, steward, service, indicator, citizen):
    client.force_login(citizen)
    assert client.get("/espace/tableaux-de-bord/nouveau/").status_code == 403
    client.force_login(steward)
    page = client.get("/espace/tableaux-de-bord/nouveau/")
    assert page.status_code == 200 and indicator.title in page.content.decode()
    data = {"title": "Assemblées", "publisher_service": service.pk, "access_level": "public",
            f"tile_{indicator.pk}": "1"}  # fmt: skip
    refused = client.post("/espace/tableaux-de-bord/nouveau/", data)
    assert refused.status_code == 400 and "indicateurs publics" in refused.content.decode()
    assert not Dashboard.objects.exists()
    saved = client.post("/espace/tableaux-de-bord/nouveau/", {**data, "access_level": "internal"})
    assert saved.status_code == 302
    dashboard = Dashboard.objects.get()
    assert [t.indicator_id for t in dashboard.tiles.all()] == [indicator.pk]
    html = client.get(f"/tableaux-de-bord/{dashboard.slug}/").content.decode()
    assert ">58<" in html  # December 2013, the latest month


def test_evaluation_in_the_workspace(client, steward, indicator):
    client.force_login(steward)
    url = f"/espace/indicateurs/{indicator.slug}/evaluations/nouvelle/"
    refused = client.post(
        url, {"title": "Séances", "intervention_date": "2013-12-01", "treated": "99999"}
    )
    assert refused.status_code == 400 and "99999" in refused.content.decode()
    assert not Evaluation.objects.exists()
    saved = client.post(
        url, {"title": "Séances", "intervention_date": "2013-12-01", "treated": "34172"}
    )
    assert saved.status_code == 302
    page = client.get(saved["Location"]).content.decode()
    assert "102" in page and "58" in page and "Sans territoire de comparaison" in page


def test_builder_spatial_join_refusal_lands_on_its_field(client, steward, service, delibs):
    client.force_login(steward)
    data = {
        "title": "Par commune", "direction": "higher", "publisher_service": service.pk,
        "frequency": "MONTHLY", "granularity": "commune", "access_level": "internal",
        "dataset": "deliberations", "measure": "count", "truncate": "month", "normalisation": "per_km2",
        "period_column": "date_cm", "spatial_longitude": "direction", "spatial_latitude": "etat",
        "spatial_boundaries": "commune", "action": "save",
    }  # fmt: skip
    response = client.post("/espace/indicateurs/nouveau/", data)
    html = response.content.decode()
    assert response.status_code == 400 and "il faut des nombres" in html
    assert 'id="id_spatial_longitude_errors"' in html
    assert not Indicator.objects.exists()


def test_officer_sets_embed_origins(client, data_officer, steward, service, indicator):
    from territoire.indicators import services as indicator_services

    services.indicator_publish(actor=data_officer, indicator=indicator, reason="agrégat")
    dashboard = indicator_services.dashboard_create(actor=data_officer, title="Public", publisher_service=service,
                                                    indicators=[indicator.slug], access_level="public")  # fmt: skip
    client.force_login(steward)
    client.post(
        f"/espace/tableaux-de-bord/{dashboard.slug}/integration/",
        {"embed_origins": "https://ville.fr"},
    )
    dashboard.refresh_from_db()
    assert dashboard.embed_origins == []  # a steward may not
    client.force_login(data_officer)
    page = client.get(f"/espace/tableaux-de-bord/{dashboard.slug}/").content.decode()
    assert "Sites autorisés" in page
    client.post(f"/espace/tableaux-de-bord/{dashboard.slug}/integration/",
                {"embed_origins": "https://ville.fr\nhttps://metropole.fr"})  # fmt: skip
    dashboard.refresh_from_db()
    assert dashboard.embed_origins == ["https://metropole.fr", "https://ville.fr"]


def test_composer_blocks(client, steward, service, indicator):
    client.force_login(steward)
    response = client.post("/espace/tableaux-de-bord/nouveau/", {
        "title": "Assemblées", "publisher_service": service.pk, "access_level": "internal",
        f"tile_{indicator.pk}": "2", f"kind_{indicator.pk}": "chart",
        "text": "Les **séances** du conseil.", "text_position": "1",
    })  # fmt: skip
    assert response.status_code == 302
    dashboard = Dashboard.objects.get()
    assert [(t.kind, t.indicator_id) for t in dashboard.tiles.all()] == [
        ("text", None),
        ("chart", indicator.pk),
    ]
    page = client.get(f"/espace/tableaux-de-bord/{dashboard.slug}/").content.decode()
    assert "Les **séances** du conseil." in page and 'value="chart" selected' in page
