"""Account security in a real browser: a data officer, required to use a second factor, signs in,
is sent to enrol, scans nothing but reads the key shown on the page (as a phone app would), types
the code, keeps the recovery codes, then signs in again in two steps. axe-core clean on every
page, no CSP violation (the QR code is inline SVG)."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP

from .conftest import BROWSER_TEST, PASSWORD, format_violations

pytestmark = BROWSER_TEST


def _code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key it was given (base32, as on the page)."""
    text = secret.replace(" ", "")
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    clock = TOTP(key)
    clock.time = time.time() + 30 * steps_ahead
    return f"{clock.token():06d}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_enrolment_then_login_with_totp(open_tab, data_officer, settings, lang):
    settings.TERRITOIRE_2FA_REQUIRED_ROLES = ["data_officer", "superuser"]
    found: dict[str, list] = {}
    tab = open_tab(lang)
    page = tab.page

    tab.goto("/connexion/?next=/espace/administration/")
    page.locator("#id_username").fill(data_officer.username)
    page.locator("#id_password").fill(PASSWORD)
    tab.submit()
    page.wait_for_url("**/espace/securite/?inscription=1")  # required: sent to enrol
    assert page.locator("main .qr-code svg[role=img]").count() == 1
    found["enrolment"] = tab.axe()
    tab.screenshot(f"security-{lang}-enrolment")

    secret = page.locator("#totp-secret").inner_text()
    page.locator("#id_code").fill("000000")
    tab.submit("main form[action$='/inscription/'] button[type=submit]")
    assert page.locator("#erreurs").count() == 1
    assert page.locator("#id_code").get_attribute("aria-invalid") == "true"
    found["enrolment, wrong code"] = tab.axe()

    page.locator("#id_code").fill(_code(secret))
    tab.submit("main form[action$='/inscription/'] button[type=submit]")
    codes = page.locator("#codes-de-secours li code").all_inner_texts()
    assert len(codes) == 10
    found["recovery codes"] = tab.axe()

    tab.goto("/espace/administration/")  # the workspace opens once enrolled
    tab.goto("/espace/securite/")
    found["security page, enrolled"] = tab.axe()
    tab.screenshot(f"security-{lang}-enrolled")
    tab.submit("form[action='/deconnexion/'] button[type=submit]")

    tab.goto("/connexion/?next=/espace/securite/")
    page.locator("#id_username").fill(data_officer.username)
    page.locator("#id_password").fill(PASSWORD)
    tab.submit()
    page.wait_for_url("**/connexion/verification/**")
    found["second step"] = tab.axe()
    page.locator("#id_code").fill(_code(secret, steps_ahead=1))
    tab.submit()
    page.wait_for_url("**/espace/securite/")
    sessions = page.locator("section[aria-labelledby=sessions] table").inner_text()
    assert "cette session" in sessions or "this session" in sessions

    assert not tab.csp_violations(), tab.csp_violations()
    violations = {name: v for name, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_the_data_officers_account_pages(open_tab, data_officer, steward):
    from django.test import Client

    Client().post("/connexion/", {"username": "inconnu", "password": "devine"})
    tab = open_tab("fr")
    tab.goto("/connexion/?next=/espace/administration/comptes/")
    tab.page.locator("#id_username").fill(data_officer.username)
    tab.page.locator("#id_password").fill(PASSWORD)
    tab.submit()
    tab.page.wait_for_url("**/espace/administration/comptes/")
    assert "inconnu" in tab.page.locator("section[aria-labelledby=refus] table").inner_text()
    found = {"accounts": tab.axe()}
    tab.page.locator(f"a[href='/espace/administration/comptes/{steward.username}/']").first.click()
    tab.page.wait_for_url(f"**/comptes/{steward.username}/")
    found["one account"] = tab.axe()
    tab.page.locator("#reason-sessions").fill("départ")
    tab.submit("form[action$='/sessions/fermeture/'] button[type=submit]")
    assert tab.page.locator(".messages").inner_text() == "0 session(s) de steward fermée(s)."
    found["after closing"] = tab.axe()
    tab.screenshot("security-officer-account")
    assert not tab.csp_violations(), tab.csp_violations()
    violations = {name: v for name, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
