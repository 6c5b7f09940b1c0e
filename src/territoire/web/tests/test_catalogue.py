"""Catalogue search: French full text, facets as links, sort, pages, why it matched, visibility."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from territoire.web import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(make_dataset, montpellier, other_service):
    """Five real-looking datasets of Montpellier; one internal, one without any theme."""
    from territoire.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="34172")
    lattes = Territory.objects.get(kind="commune", code="34129")
    return {
        "delibs": make_dataset(
            "Délibérations du conseil municipal",
            publish=True,
            description="Projets de délibération votés en séance : élus rapporteurs, direction, "
            "titre, état, numéro et date de séance.",
            themes=["GOVE"],
            keywords=["délibérations", "conseil municipal"],
            territories=[commune],
            frequency="MONTHLY",
        ),
        "budget": make_dataset(
            "Budget primitif 2014",
            publish=True,
            description="Crédits votés par section (investissement, fonctionnement).",
            themes=["ECON", "GOVE"],
            keywords=["budget", "finances"],
            territories=[commune],
            frequency="ANNUAL",
        ),
        "defib": make_dataset(
            "Défibrillateurs automatisés externes",
            publish=True,
            description="Emplacements des DAE dans les bâtiments publics.",
            themes=["HEAL"],
            keywords=["santé"],
            territories=[montpellier],
            publisher_service=other_service,
        ),
        "parking": make_dataset(
            "Stationnement vélo",
            publish=True,
            description="Arceaux et abris à vélos de la métropole ; stationnements sécurisés.",
            themes=["TRAN"],
            territories=[lattes],
            licence="odbl-1.0",
        ),
        "internal": make_dataset(
            "Compteurs de sectorisation du réseau d'eau",
            access_level="internal",
            description="Index journaliers des compteurs, pour détecter les fuites.",
            themes=["ENVI"],
        ),
    }


def _titles(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", t)
        for t in re.findall(r'<li class="result">\s*<h2><a href="[^"]+">(.*?)</a></h2>', html)
    ]


def _get(client, **params):
    return client.get(reverse("web:datasets"), params).content.decode()


def test_the_light_french_stemmer_meets_plurals_and_derivations():
    def s(w):
        return text.stem(text.normalize(w))

    assert s("délibérations") == s("délibération") == s("Délibérer")
    assert s("défibrillateurs") == s("défibrillateur")
    assert s("municipaux") == s("municipale") == s("municipal")
    assert s("stationnement") == s("stationner")
    assert s("réseaux") == s("réseau") and s("eaux") == s("eau")
    assert s("publiques") == s("public")


def test_accents_case_and_stemming_find_the_dataset(client, catalogue):
    for query in ("deliberation", "DÉLIBÉRATIONS", "délibérer", "Conseil Municipaux"):
        assert _titles(_get(client, q=query)) == ["Délibérations du conseil municipal"], query
    # a prefix of a word, as typed in a hurry
    assert _titles(_get(client, q="stationn")) == ["Stationnement vélo"]
    # every word must match (somewhere); stop words do not count
    assert _titles(_get(client, q="budget de la voirie")) == []
    assert _titles(_get(client, q="budget de fonctionnement")) == ["Budget primitif 2014"]


def test_results_say_why_they_matched_with_highlights(client, catalogue):
    html = _get(client, q="velos")
    assert "<mark>vélo</mark>" in html  # title, accents kept as written
    assert "Correspond dans :" in html
    assert "<mark>vélos</mark>" in html  # the snippet of the description
    # the theme and the service are searched too
    assert _titles(_get(client, q="santé")) == ["Défibrillateurs automatisés externes"]
    assert "Défibrillateurs" in _get(client, q="direction de l'eau")


def test_relevance_puts_title_matches_first(client, catalogue):
    html = _get(client, q="conseil")
    assert _titles(html)[0] == "Délibérations du conseil municipal"
    # a word in the title outranks the same word in the description only
    budget_first = _titles(_get(client, q="votés"))
    assert set(budget_first) == {"Budget primitif 2014", "Délibérations du conseil municipal"}


def test_facets_are_links_with_counts_and_combine(client, catalogue):
    html = _get(client)
    assert _titles(html) and len(_titles(html)) == 4
    # theme facet: GOVE on two datasets
    assert re.search(
        r'href="\?theme=GOVE">Gouvernement et secteur public <span class="count">\(2\)', html
    )
    html = _get(client, theme="GOVE")
    assert sorted(_titles(html)) == ["Budget primitif 2014", "Délibérations du conseil municipal"]
    # a chosen value is marked and its link removes it
    assert 'class="facet-selected" href="?"' in html
    # disjunctive within a facet, conjunctive across facets
    both = client.get(reverse("web:datasets") + "?theme=GOVE&theme=HEAL").content.decode()
    assert len(_titles(both)) == 3
    html = client.get(reverse("web:datasets") + "?theme=GOVE&frequence=ANNUAL").content.decode()
    assert _titles(html) == ["Budget primitif 2014"]
    # licence and territory facets
    assert _titles(_get(client, licence="odbl-1.0")) == ["Stationnement vélo"]
    html = _get(client, territoire=str(catalogue["parking"].territories.get().pk))
    assert _titles(html) == ["Stationnement vélo"]
    # the conformity facet says when a dataset has no data loaded yet
    assert "Sans données chargées" in _get(client)


def test_sorts_by_title_and_by_update(client, catalogue):
    titles = _titles(_get(client, tri="titre"))
    assert titles == sorted(titles, key=text.normalize)
    recent = _titles(_get(client, tri="recent"))
    assert recent[0] == "Stationnement vélo"  # the last one created


def test_pages_of_twenty(client, make_dataset):
    for i in range(23):
        make_dataset(f"Comptage routier {i:02d}", publish=True)
    first = _get(client, q="comptage", tri="titre")
    assert len(_titles(first)) == 20 and "23 jeux de données" in first
    assert 'href="?q=comptage&amp;tri=titre&amp;page=2"' in first
    second = _get(client, q="comptage", tri="titre", page=2)
    assert _titles(second) == ["Comptage routier 20", "Comptage routier 21", "Comptage routier 22"]


def test_the_public_never_sees_internal_datasets_staff_see_them_with_a_badge(
    client, catalogue, agent
):
    html = _get(client, q="compteurs")
    assert _titles(html) == [] and "Niveau d&#x27;accès" not in html
    assert "Compteurs de sectorisation" not in _get(client)
    client.force_login(agent)
    html = _get(client, q="compteurs")
    assert [re.sub(r"</?mark>", "", t) for t in _titles(html)] == [
        "Compteurs de sectorisation du réseau d&#x27;eau"
    ]
    assert "badge-internal" in html
    # the access-level facet exists for staff only
    assert "Niveau d&#x27;accès" in html
    assert _titles(_get(client, acces="internal")) != []


def test_a_citizen_cannot_use_the_access_facet(client, catalogue, citizen):
    client.force_login(citizen)
    html = _get(client, acces="internal")
    assert "Compteurs" not in html and len(_titles(html)) == 4


def test_user_text_is_escaped_everywhere(client, make_dataset):
    make_dataset('Budget <script>alert(1)</script> "x"', publish=True)
    html = _get(client, q="<script>alert(1)</script>")
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_search_costs_a_fixed_number_of_queries(
    client, catalogue, make_dataset, django_assert_max_num_queries
):
    for i in range(30):
        make_dataset(f"Jeu {i}", publish=True, themes=["ECON"], keywords=["budget"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("web:datasets"), {"q": "budget", "theme": "ECON"})
    assert response.status_code == 200
