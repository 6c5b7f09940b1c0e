"""The site's error pages pass axe-core like every other page, in French and in English."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_not_found_and_csrf_pages_have_no_axe_violations(open_tab, portal, lang):
    tab = open_tab(lang)
    tab.goto("/jeux-de-donnees/nexiste-pas/", status=404)
    assert tab.page.locator("header.site-header").count() == 1
    found = {"404": tab.axe()}
    tab.screenshot(f"error-404-{lang}")
    # the login form, its CSRF cookie gone (an old tab, blocked cookies): the refusal page
    tab.goto("/connexion/")
    tab.context.clear_cookies()
    tab.page.locator("#id_username").fill("officer")
    tab.page.locator("#id_password").fill("whatever")
    with tab.page.expect_navigation():
        tab.page.locator("main form button[type=submit]").first.click()
    assert tab.page.locator("h1").inner_text() in (
        "Formulaire expiré ou envoyé d'ailleurs",
        "Form expired or sent from elsewhere",
    )
    found["csrf"] = tab.axe()
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
    assert not tab.csp_violations(), tab.csp_violations()
