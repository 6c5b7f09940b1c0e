"""A visitor's journey — home, search, results, dataset, territory — at desktop and phone widths.

Screenshots land in test-artifacts/screenshots/; the phone run has JavaScript switched off, since
reading the portal must not need it."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, DESKTOP, PHONE

pytestmark = BROWSER_TEST


def _fits_the_width(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(
    ("device", "viewport", "javascript"),
    [("desktop", DESKTOP, True), ("phone", PHONE, False)],
)
def test_search_then_read_a_dataset(open_tab, portal, device, viewport, javascript):
    tab = open_tab("fr", viewport=viewport, javascript=javascript)
    page = tab.page
    tab.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == portal.epci.name
    assert page.locator(".territory-map svg a").count() == 31
    assert _fits_the_width(page), "the home page scrolls sideways"
    tab.screenshot(f"home-{device}-fr")

    search = page.get_by_role("searchbox", name="Que cherchez-vous ?")
    search.fill("budget")
    with page.expect_navigation():
        search.press("Enter")
    assert page.url.endswith("/jeux-de-donnees/?q=budget")
    assert page.get_by_role("status").inner_text() == "1 jeu de données"
    assert _fits_the_width(page), "the results scroll sideways"
    tab.screenshot(f"search-results-{device}-fr")

    with page.expect_navigation():
        page.get_by_role("link", name="Budget primitif 2025").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Budget primitif 2025"
    facts = page.locator("dl.facts").inner_text()
    assert "Annuelle" in facts and "Économie et finances" in facts
    assert page.get_by_role("link", name="Budget primitif 2025 (CSV)").get_attribute("href") == (
        "https://data.example.fr/budget-primitif-2025.csv"
    )
    assert _fits_the_width(page), "the dataset page scrolls sideways"
    tab.screenshot(f"dataset-{device}-fr")

    # from the dataset to the commune it covers, then up to the intercommunalité
    with page.expect_navigation():
        page.locator("dl.facts").get_by_role("link", name="Montpellier").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Montpellier"
    assert page.get_by_role("link", name="Budget primitif 2025").count() == 1
    assert _fits_the_width(page), "the commune page scrolls sideways"
    tab.screenshot(f"commune-{device}-fr")
    with page.expect_navigation():
        page.locator("dl.facts").get_by_role("link", name=portal.epci.name).click()
    assert page.locator(".territory-map svg a").count() == 31
    assert _fits_the_width(page), "the EPCI page scrolls sideways"
    tab.screenshot(f"epci-{device}-fr")

    tab.goto("/jeux-de-donnees/?q=introuvablexyz")
    assert page.get_by_role("status").inner_text() == "0 jeu de données"
    assert not tab.csp_violations(), tab.csp_violations()


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_english_pages_and_forms(open_tab, portal, device, viewport):
    tab = open_tab("en", viewport=viewport)
    page = tab.page
    tab.goto("/")
    assert page.get_by_role("heading", level=2, name="Key figures").count() == 1
    assert _fits_the_width(page)
    tab.screenshot(f"home-{device}-en")
    tab.goto("/jeux-de-donnees/")
    assert page.get_by_role("status").inner_text() == "3 datasets"
    tab.screenshot(f"datasets-{device}-en")
    tab.goto("/connexion/")
    tab.submit()
    assert page.locator(".error").first.inner_text() == "This field is required."
    assert _fits_the_width(page)
    tab.screenshot(f"login-errors-{device}-en")


@pytest.mark.parametrize(
    ("device", "viewport", "javascript"),
    [("desktop", DESKTOP, True), ("phone", PHONE, False)],
)
def test_search_then_filter_the_table_then_download(
    open_tab, portal_data, defib_csv, device, viewport, javascript
):
    """Search → dataset → filter its table → download: what a citizen or a reuser does."""
    tab = open_tab("fr", viewport=viewport, javascript=javascript)
    page = tab.page
    tab.goto("/")
    search = page.get_by_role("searchbox", name="Que cherchez-vous ?")
    search.fill("defibrillateur")  # no accent, singular: still found
    with page.expect_navigation():
        search.press("Enter")
    assert page.get_by_role("status").inner_text() == "1 jeu de données"
    assert page.locator(".result mark").first.inner_text() == "Défibrillateurs"
    tab.screenshot(f"journey-search-{device}-fr")

    with page.expect_navigation():
        page.get_by_role("link", name="Défibrillateurs automatisés externes").click()
    caption = page.locator("#tableau-legende")
    assert caption.inner_text().startswith("Enregistrements 1 à 20 sur 167")
    assert page.locator("#carte svg[role=img]").count() == 1
    assert _fits_the_width(page), "the dataset page scrolls sideways"
    tab.screenshot(f"journey-dataset-{device}-fr")

    # filter: names containing "gymnase", sorted by name
    page.get_by_text("Filtrer le tableau").click()
    page.get_by_label("Valeur cherchée dans Nom").fill("gymnase")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer les filtres").click()
    text = caption.inner_text()
    assert text.startswith("Enregistrements 1 à ") and "sur 167" not in text
    names = page.locator("table.records tbody tr td:nth-child(2)").all_inner_texts()
    assert names and all("gymnase" in n.lower() for n in names)
    assert page.get_by_text("Filtres appliqués").count() == 1
    with page.expect_navigation():
        page.locator("table.records thead").get_by_role("link", name="Nom").click()
    assert page.locator("table.records th[aria-sort=ascending]").inner_text().startswith("Nom")
    sorted_names = page.locator("table.records tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted_names == sorted(sorted_names, key=str.casefold)
    assert len(sorted_names) == len(names), "the sort kept the filter"
    assert _fits_the_width(page), "the filtered table scrolls the page sideways"
    tab.screenshot(f"journey-filtered-{device}-fr")

    # download the original file, byte for byte
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Fichier d'origine : VilleMTP_MTP_Defibrillateurs.csv"
        ).click()
    saved = download.value
    assert saved.suggested_filename == "VilleMTP_MTP_Defibrillateurs.csv"
    assert open(saved.path(), "rb").read() == defib_csv.read_bytes()
    assert not tab.csp_violations(), tab.csp_violations()
    assert not [e for e in tab.console_errors if "favicon" not in e], tab.console_errors
