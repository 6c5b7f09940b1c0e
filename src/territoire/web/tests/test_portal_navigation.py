"""Producer pages, territory pages with the data covering each, the home's themes and most viewed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def test_service_pages_list_their_visible_datasets(client, make_dataset, service, other_service):
    make_dataset("Budget primitif", publish=True)
    make_dataset("Dette interne", access_level="internal")
    make_dataset("Réseau d'eau", publish=True, publisher_service=other_service)
    html = client.get(reverse("web:services")).content.decode()
    assert "Direction des finances" in html and "Direction de l&#x27;eau" in html
    assert "1 jeu de données" in html
    url = reverse("web:service", args=[service.organization.slug, service.slug])
    html = client.get(url).content.decode()
    assert "<h1>Direction des finances</h1>" in html
    assert "Budget primitif" in html and "Dette interne" not in html and "Réseau" not in html
    assert f'?service={service.pk}"' in html
    assert client.get("/services/ville-de-montpellier/inconnu/").status_code == 404


def test_dataset_page_links_to_its_producer(client, make_dataset, service):
    dataset = make_dataset("Budget primitif", publish=True)
    html = client.get(reverse("web:dataset", args=[dataset.slug])).content.decode()
    assert f'href="/services/{service.organization.slug}/{service.slug}/"' in html


def test_commune_page_shows_its_data_and_the_epci_data_covering_it(
    client, montpellier, make_dataset
):
    from territoire.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="34172")
    make_dataset("Budget de la ville", publish=True, territories=[commune])
    make_dataset("Transports de la métropole", publish=True, territories=[montpellier])
    html = client.get("/territoires/communes/34172/").content.decode()
    own, wider = html.split("Données de l'intercommunalité", 1)
    assert "Budget de la ville" in own and "Transports de la métropole" in wider
    # breadcrumb: the commune under its EPCI
    assert (
        f'<li><a href="/territoires/epci/{montpellier.code}/">{montpellier.name}</a></li>' in html
    )
    epci = client.get(f"/territoires/epci/{montpellier.code}/").content.decode()
    assert "Transports de la métropole" in epci
    assert "Données sur les territoires rattachés" in epci and "(Montpellier)" in epci


def test_home_has_themes_latest_and_most_viewed(
    client, montpellier, make_dataset, django_assert_max_num_queries
):
    budget = make_dataset("Budget primitif", publish=True, themes=["ECON"])
    make_dataset("Défibrillateurs", publish=True, themes=["HEAL"])
    make_dataset("Compteurs internes", access_level="internal", themes=["ENVI"])
    for _ in range(3):
        client.get(reverse("web:dataset", args=[budget.slug]), **BROWSER_UA)
    client.get(reverse("web:home"))
    with django_assert_max_num_queries(12):
        html = client.get(reverse("web:home")).content.decode()
    assert 'href="/jeux-de-donnees/?theme=ECON"' in html and "?theme=ENVI" not in html
    popular = html.split('id="populaires"', 1)[1].split("</section>", 1)[0]
    assert "Budget primitif" in popular and "3 visites" in popular
    assert "Compteurs internes" not in html
