"""axe-core (WCAG 2.1 A and AA) finds nothing on the portal's pages, in French and in English."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


def _reset_link(user) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/mot-de-passe/nouveau/{uid}/{default_token_generator.make_token(user)}/"


def _pages(portal) -> dict[str, str]:
    defib = f"/jeux-de-donnees/{portal.defibrillators.slug}/"
    budget = f"/jeux-de-donnees/{portal.budget.slug}/"
    service = portal.budget.publisher_service
    return {
        "home": "/",
        "datasets": "/jeux-de-donnees/",
        "search with results": "/jeux-de-donnees/?q=budget",
        "search with facets": "/jeux-de-donnees/?q=montpellier&theme=HEAL&tri=titre",
        "search without results": "/jeux-de-donnees/?q=introuvablexyz",
        "dataset with records and map": defib,
        "dataset, filtered and sorted": defib + "?f-nom=gymnase&tri=-id",
        "dataset, filter error": budget + "?min-bp=beaucoup",
        "dataset, chart": budget + "?graphe-groupe=d_r&graphe-calcul=sum&graphe-mesure=bp",
        "dataset without data": f"/jeux-de-donnees/{portal.parking.slug}/",
        "producers": "/services/",
        "producer": f"/services/{service.organization.slug}/{service.slug}/",
        "commune": f"/territoires/communes/{portal.commune.code}/",
        "epci": f"/territoires/epci/{portal.epci.code}/",
        "login": "/connexion/",
        "password reset": "/mot-de-passe/oubli/",
        "password reset sent": "/mot-de-passe/oubli/envoye/",
        "new password form": _reset_link(portal.data_officer),
        "new password, expired link": "/mot-de-passe/nouveau/MQ/expired-token/",
        "accessibility statement": "/accessibilite/",
        "legal notice": "/mentions-legales/",
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pages_have_no_axe_violations(open_tab, portal_data, lang):
    portal = portal_data
    tab = open_tab(lang)
    found: dict[str, list[dict]] = {}
    for name, path in _pages(portal).items():
        tab.goto(path)
        if name.startswith("dataset,"):  # open the filter form and the alternatives too
            for summary in tab.page.locator("main details > summary").all():
                summary.click()
        assert tab.page.locator("html").get_attribute("lang") == lang, f"{name}: html lang"
        if name == "new password form":  # the link was valid: the form and its help are shown
            assert tab.page.locator("#id_new_password1_helptext li").count() >= 2
            tab.screenshot(f"new-password-form-{lang}")
        found[f"{name} ({path})"] = tab.axe()

    # the same login form with the errors a visitor gets: a field left empty, then a wrong password
    tab.goto("/connexion/")
    tab.submit()
    assert tab.page.locator("[aria-invalid=true]").count() >= 1
    found["login, empty fields"] = tab.axe()
    tab.page.locator("#id_username").fill("officer")
    tab.page.locator("#id_password").fill("not the password")
    tab.submit()
    assert tab.page.get_by_role("alert").count() == 1
    found["login, wrong password"] = tab.axe()

    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
    assert not tab.csp_violations(), tab.csp_violations()


def test_staff_view_with_internal_dataset_has_no_axe_violations(open_tab, portal):
    """What an agent sees: internal datasets with their badge, the logout button, the back-office link."""
    tab = open_tab("fr")
    tab.login(portal.data_officer.username)
    assert tab.page.url == tab.base_url + "/"
    found = {"home (staff)": tab.axe()}
    tab.goto("/jeux-de-donnees/")
    assert tab.page.locator(".badge-internal").count() == 1
    found["datasets (staff)"] = tab.axe()
    tab.goto(f"/jeux-de-donnees/{portal.internal.slug}/")
    found["internal dataset"] = tab.axe()
    tab.goto("/jeux-de-donnees/?acces=internal")
    assert tab.page.locator(".facet-selected").count() == 1
    found["datasets, access facet (staff)"] = tab.axe()
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_axe_really_runs(open_tab, portal):
    """The harness itself: axe finds a violation that we plant, so a silent axe cannot pass."""
    tab = open_tab("fr")
    tab.goto("/")
    tab.page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/static/none.png';"
        " document.querySelector('main').append(img); }"
    )
    assert "image-alt" in {v["id"] for v in tab.axe()}
