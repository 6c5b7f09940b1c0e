"""Portal pages on the real demo territory."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from territoire.trust.models import AuditEvent


@pytest.mark.django_db
def test_home_lists_the_31_communes_of_the_metropole(client, montpellier):
    response = client.get(reverse("web:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Montpellier Méditerranée Métropole" in html
    rows = re.findall(r'<tr><th scope="row"><a href="/territoires/communes/(\d{5})/">', html)
    assert len(rows) == 31 and "34172" in rows
    for name in ("Castelnau-le-Lez", "Lattes", "Pérols", "Villeneuve-lès-Maguelone"):
        assert name in html
    # the SVG map has one linked shape per commune, with a text alternative
    assert html.count('<path d="M') == 31
    assert 'role="group"' in html and "<desc" in html


@pytest.mark.django_db
def test_home_without_territory_explains_what_to_do(client):
    html = client.get(reverse("web:home")).content.decode()
    assert "territoire territories load" in html


@pytest.mark.django_db
def test_commune_page(client, montpellier):
    response = client.get("/territoires/communes/34172/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Montpellier</h1>" in html
    assert 'href="/territoires/epci/243400017/"' in html
    assert client.get("/territoires/communes/99999/").status_code == 404


@pytest.mark.django_db
def test_public_sees_published_public_datasets_only(client, make_dataset):
    make_dataset("Budget primitif", publish=True)
    make_dataset("Compteurs internes", access_level="internal")
    html = client.get(reverse("web:datasets")).content.decode()
    assert "Budget primitif" in html and "Compteurs internes" not in html
    assert client.get("/jeux-de-donnees/compteurs-internes/").status_code == 404


@pytest.mark.django_db
def test_agent_sees_internal_dataset_with_badge_and_the_read_is_audited(
    client, make_dataset, agent
):
    dataset = make_dataset("Compteurs internes", access_level="internal")
    client.force_login(agent)
    html = client.get(reverse("web:datasets")).content.decode()
    assert "Compteurs internes" in html and "badge-internal" in html
    events = AuditEvent.objects.filter(action="read").count()
    assert client.get(f"/jeux-de-donnees/{dataset.slug}/").status_code == 200
    event = AuditEvent.objects.filter(action="read").latest("id")
    assert AuditEvent.objects.filter(action="read").count() == events + 1
    assert event.actor == agent and event.object_id == str(dataset.pk) and event.reason == "portail"


@pytest.mark.django_db
def test_public_dataset_read_is_not_audited(client, make_dataset):
    dataset = make_dataset("Budget", publish=True)
    client.get(f"/jeux-de-donnees/{dataset.slug}/")
    assert not AuditEvent.objects.filter(action="read").exists()


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get(reverse("web:home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_english_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_accessibility_and_legal_pages(client):
    assert "Déclaration d'accessibilité" in client.get("/accessibilite/").content.decode().replace(
        "&#x27;", "'"
    )
    assert "Mentions légales" in client.get("/mentions-legales/").content.decode()
