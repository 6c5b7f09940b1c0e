"""An indicator built on a non-public dataset is internal; public only after the data officer's
recorded decision. Its page in the portal (no JavaScript needed) and its series through every API."""

from __future__ import annotations

import pytest

from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.indicators import services
from territoire.trust.models import AuditEvent

from .conftest import DELIB_COUNT, PLACES

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal_indicator(delibs, steward, service):
    indicator = services.indicator_create(
        actor=steward, title="Délibérations du conseil municipal", publisher_service=service,
        definition=DELIB_COUNT, access_level="public", unit="délibérations",
    )  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    return indicator


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_non_public_source_makes_an_internal_indicator(internal_indicator, client, roles):
    assert internal_indicator.access_level == "internal" and not internal_indicator.is_published
    assert (
        internal_indicator.series.access_level == "internal"
        and not internal_indicator.series.is_published
    )
    url = f"/indicateurs/{internal_indicator.slug}/"
    expected = {
        "anonymous": 404,
        "citizen": 404,
        "reuser": 404,
        "agent": 200,
        "steward": 200,
        "data_officer": 200,
    }
    assert {name: _get(client, user, url).status_code for name, user in roles.items()} == expected
    assert internal_indicator.title not in _get(client, None, "/indicateurs/").content.decode()
    api = f"/api/v1/datasets/{internal_indicator.series.slug}/records"
    assert _get(client, None, api).status_code == 404


def test_publication_is_the_data_officers_recorded_decision(
    internal_indicator, steward, data_officer, client
):
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        services.indicator_publish(
            actor=steward, indicator=internal_indicator, reason="Utile à tous"
        )
    with pytest.raises(ValidationFailed) as caught:
        services.indicator_publish(actor=data_officer, indicator=internal_indicator, reason=" ")
    assert caught.value.where == "reason"
    internal_indicator.refresh_from_db()
    assert not internal_indicator.is_published and AuditEvent.objects.count() == events
    services.indicator_publish(
        actor=data_officer, indicator=internal_indicator,
        reason="Un décompte ne révèle aucun nom d'élu : publiable.",
    )  # fmt: skip
    internal_indicator.refresh_from_db()
    assert internal_indicator.is_public and internal_indicator.series.is_public
    decision = AuditEvent.objects.filter(action="publish", object_type__endswith="indicator").get()
    assert decision.reason == "Un décompte ne révèle aucun nom d'élu : publiable."
    page = _get(client, None, f"/indicateurs/{internal_indicator.slug}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<th scope="row">2013-11</th>' in html and ">102<" in html and ">58<" in html
    assert "Aucune cible n&#x27;est fixée pour cet indicateur." in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    # The series through the native API and OpenDataSoft's, anonymously: counts only, never a row
    # of the internal source.
    rows = _get(client, None, f"/api/v1/datasets/{internal_indicator.series.slug}/records").json()[
        "results"
    ]
    assert sorted((r["periode"], r["valeur"]) for r in rows) == [("2013-11", 102), ("2013-12", 58)]
    assert not any("elu" in key for r in rows for key in r)
    ods = _get(
        client, None, f"/api/explore/v2.1/catalog/datasets/{internal_indicator.series.slug}/records"
    )
    assert ods.status_code == 200 and ods.json()["total_count"] == 2
    assert _get(client, None, "/api/v1/datasets/deliberations/records").status_code == 404


def test_public_page_says_on_track_in_english_too(parkings, steward, data_officer, service, client):
    import datetime as dt

    indicator = services.indicator_create(
        actor=steward, title="Places de stationnement", publisher_service=service, definition=PLACES,
        access_level="public", unit="places", baseline_date=dt.date(2020, 12, 31), baseline_value=100.0,
    )  # fmt: skip
    services.indicator_targets_set(
        actor=steward, indicator=indicator, targets=[(dt.date(2030, 12, 31), 200.0)]
    )
    services.indicator_compute(actor=steward, indicator=indicator)
    services.indicator_publish(actor=data_officer, indicator=indicator, reason="Source publique.")
    html = _get(client, None, f"/indicateurs/{indicator.slug}/").content.decode()
    assert "Cible atteinte" in html or "En bonne voie" in html or "En retard" in html
    english = client.get(
        f"/indicateurs/{indicator.slug}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "against a target of" in english or "called for" in english


def test_a_new_definition_on_a_non_public_source_needs_a_new_decision(
    internal_indicator, steward, data_officer
):
    import copy

    services.indicator_publish(
        actor=data_officer, indicator=internal_indicator, reason="Un décompte."
    )
    # Saving the same definition (what the builder's form does) keeps the officer's decision.
    services.indicator_update(actor=steward, indicator=internal_indicator, definition=DELIB_COUNT,
                              access_level="public", unit="délibérations par mois")  # fmt: skip
    internal_indicator.refresh_from_db()
    assert internal_indicator.is_public and internal_indicator.series.is_public
    yearly = copy.deepcopy(DELIB_COUNT)
    yearly["period"]["truncate"] = "year"
    services.indicator_update(
        actor=steward, indicator=internal_indicator, definition=yearly, access_level="public"
    )
    internal_indicator.refresh_from_db()
    series = internal_indicator.series
    assert not internal_indicator.is_published and internal_indicator.access_level == "internal"
    assert not series.is_published and series.access_level == "internal"
