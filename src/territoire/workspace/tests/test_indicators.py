"""The indicator builder in the workspace: preview, refusals on the field they name, create and
compute through the services, the data officer's publication."""

from __future__ import annotations

import pytest

from territoire.indicators.models import Indicator
from territoire.indicators.tests.conftest import DELIBS

pytestmark = pytest.mark.django_db


@pytest.fixture
def delibs(make_dataset, data_officer):
    from territoire.lake import services as lake_services

    dataset = make_dataset("Délibérations", slug="deliberations", access_level="internal")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=DELIBS)
    return dataset


def _post(service, **changes):
    data = {
        "title": "Délibérations par mois", "direction": "higher", "publisher_service": service.pk,
        "frequency": "MONTHLY", "granularity": "commune", "access_level": "internal",
        "dataset": "deliberations", "measure": "count", "truncate": "month", "normalisation": "none",
        "period_column": "date_cm", "territory_code": "34172", "unit": "délibérations",
        "targets": "31/12/2014 ; 200", "action": "save",
    }  # fmt: skip
    data.update(changes)
    return data


def test_preview_then_create(client, steward, service, delibs):
    client.force_login(steward)
    preview = client.post("/espace/indicateurs/nouveau/", _post(service, action="preview"))
    html = preview.content.decode()
    assert preview.status_code == 200 and "Aperçu (rien n'est enregistré)" in html
    assert '<th scope="row">2013-11</th>' in html and ">102<" in html
    assert not Indicator.objects.exists()
    created = client.post("/espace/indicateurs/nouveau/", _post(service))
    indicator = Indicator.objects.get()
    assert (
        created.status_code == 302
        and created["Location"] == f"/espace/indicateurs/{indicator.slug}/"
    )
    assert indicator.state == "ok" and [(t.value) for t in indicator.targets.all()] == [200.0]
    page = client.get(created["Location"]).content.decode()
    assert (
        "série version 1" in page and "Publication (décision" not in page
    )  # a steward does not publish


def test_refusal_lands_on_the_field(client, steward, service, delibs):
    client.force_login(steward)
    response = client.post(
        "/espace/indicateurs/nouveau/", _post(service, measure="sum", measure_column="montant")
    )
    html = response.content.decode()
    assert response.status_code == 400 and not Indicator.objects.exists()
    assert (
        'id="id_measure_column_errors"' in html
        and "la colonne « montant » n&#x27;existe pas" in html
    )
    assert 'aria-invalid="true"' in html


def test_only_editors_reach_the_builder_and_the_officer_publishes(
    client, agent, steward, data_officer, service, delibs
):
    client.force_login(steward)
    client.post("/espace/indicateurs/nouveau/", _post(service))
    indicator = Indicator.objects.get()
    client.force_login(agent)
    assert client.get("/espace/indicateurs/nouveau/").status_code == 403
    assert client.get(f"/espace/indicateurs/{indicator.slug}/").status_code == 404
    assert (
        client.post(
            f"/espace/indicateurs/{indicator.slug}/publication/", {"reason": "x"}
        ).status_code
        == 404
    )
    client.force_login(data_officer)
    response = client.post(
        f"/espace/indicateurs/{indicator.slug}/publication/", {"reason": "Un décompte, sans nom."}
    )
    assert response.status_code == 302 and response["Location"] == f"/indicateurs/{indicator.slug}/"
    indicator.refresh_from_db()
    assert indicator.is_public
    client.logout()
    assert client.get(f"/indicateurs/{indicator.slug}/").status_code == 200
