"""The second factor: enrolment from « Sécurité du compte », the two-step login on the one login
view (and the admin's, routed to it), recovery codes, the per-account limit, the requirement for
data officers and superusers, removal; each change audited without its secret."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoire.accounts.models import LoginEvent, LoginMethod, LoginOutcome
from territoire.accounts.views import PENDING_AT
from territoire.trust.models import AuditEvent

from .conftest import PASSWORD, enrol, totp_code

pytestmark = pytest.mark.django_db


def _password_step(client, user, path="login", next_url=None):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse(path), data)


def test_enrolment_from_the_security_page(client, steward):
    client.force_login(steward)
    page = client.get(reverse("workspace:security"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img"' in html and "<title>" in html  # the QR code, drawn inline
    device = TOTPDevice.objects.get(user=steward, confirmed=False)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert len(secret.replace(" ", "")) == 32
    assert client.get(reverse("workspace:security")).status_code == 200
    assert TOTPDevice.objects.filter(user=steward).count() == 1  # reloading keeps the same key

    wrong = client.post(reverse("workspace:security_enrol"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "ne correspond pas" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=steward, confirmed=True).exists()
    assert not AuditEvent.objects.filter(object_repr__startswith="double authentification").exists()

    done = client.post(reverse("workspace:security_enrol"), {"code": totp_code(device)})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=steward).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(
        action="create", object_repr__startswith="double authentification activée"
    )
    assert event.actor == steward
    assert device.key not in str(event.changes) and not any(c in str(event.changes) for c in codes)
    # The enrolling session has passed the second factor: the workspace opens.
    assert client.get(reverse("workspace:security")).status_code == 200
    assert (
        "Il vous reste 10 codes de secours"
        in client.get(reverse("workspace:security")).content.decode()
    )


def test_login_is_two_steps_with_an_authenticator(client, steward):
    device, _codes = enrol(steward)
    response = _password_step(client, steward, next_url="/espace/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login_verify"))
    assert SESSION_KEY not in client.session  # not signed in after the password alone
    assert client.get("/espace/securite/").status_code == 302  # still anonymous

    wrong = client.post(reverse("login_verify"), {"code": "123456", "next": "/espace/"})
    assert wrong.status_code == 200
    assert "pas valable" in wrong.content.decode()
    assert SESSION_KEY not in client.session
    failed = AuditEvent.objects.get(action="login_failed", reason="code de vérification refusé")
    assert failed.object_id == str(steward.pk)
    assert (
        LoginEvent.objects.filter(user=steward, outcome=LoginOutcome.TWO_FACTOR_FAILURE).count()
        == 1
    )
    # django-otp's own back-off refuses even the right code for a second after a wrong one.
    refused = client.post(reverse("login_verify"), {"code": totp_code(device, steps_ahead=1)})
    assert refused.status_code == 200 and SESSION_KEY not in client.session
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # time passed

    ok = client.post(
        reverse("login_verify"), {"code": totp_code(device, steps_ahead=1), "next": "/espace/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/espace/"
    assert client.session[SESSION_KEY] == str(steward.pk)
    assert AuditEvent.objects.filter(action="login", actor=steward).count() == 1
    entry = LoginEvent.objects.get(user=steward, outcome=LoginOutcome.SUCCESS)
    assert entry.method == LoginMethod.TOTP
    assert client.get("/espace/securite/").status_code == 200


def test_the_admin_login_asks_for_the_code_too(client, data_officer):
    enrol(data_officer)
    response = _password_step(client, data_officer, path="admin-login", next_url="/admin/")
    assert response["Location"].startswith(reverse("login_verify"))
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_works_once(client, steward):
    _device, codes = enrol(steward)
    _password_step(client, steward)
    ok = client.post(reverse("login_verify"), {"code": codes[0].upper()}, follow=True)
    assert client.session[SESSION_KEY] == str(steward.pk)
    assert "il vous en reste 9" in ok.content.decode()
    assert LoginEvent.objects.get(outcome=LoginOutcome.SUCCESS).method == LoginMethod.RECOVERY_CODE
    client.logout()
    _password_step(client, steward)
    again = client.post(reverse("login_verify"), {"code": codes[0]})
    assert again.status_code == 200 and SESSION_KEY not in client.session


def test_wrong_codes_are_limited_per_account(client, steward, settings):
    settings.TERRITOIRE_2FA_ATTEMPTS = 2
    device, _ = enrol(steward)
    _password_step(client, steward)
    for _ in range(2):
        assert client.post(reverse("login_verify"), {"code": "000000"}).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    limited = client.post(reverse("login_verify"), {"code": totp_code(device, steps_ahead=1)})
    assert limited.status_code == 429
    assert "Trop de codes refusés" in limited.content.decode()
    assert SESSION_KEY not in client.session


def test_the_second_step_expires(client, steward):
    enrol(steward)
    _password_step(client, steward)
    session = client.session
    session[PENDING_AT] = session[PENDING_AT] - 3600
    session.save()
    response = client.get(reverse("login_verify"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_data_officers_must_enrol_before_the_workspace(
    client, data_officer, steward, two_factor_required
):
    response = _password_step(client, data_officer)
    assert response.status_code == 302  # the password alone signs in: enrolment comes next
    for path in ("/espace/administration/", "/espace/", "/admin/", "/", "/jeux-de-donnees/"):
        refused = client.get(path)
        assert refused.status_code == 302, path
        assert refused["Location"] == "/espace/securite/?inscription=1"
    page = client.get("/espace/securite/?inscription=1")
    assert "Votre rôle exige la double authentification" in page.content.decode()
    # the portal too (it shows a signed-in account non-public data); the APIs answer as to
    # anyone anonymous, static files and the language switch stay open
    assert client.get("/api/v1/datasets").status_code == 200
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/jeux-de-donnees/"})
    assert switched["Location"] == "/jeux-de-donnees/"

    device = TOTPDevice.objects.get(user=data_officer, confirmed=False)
    client.post(reverse("workspace:security_enrol"), {"code": totp_code(device)})
    assert client.get("/espace/administration/").status_code == 200

    other = client.__class__()
    _password_step(other, steward)  # a steward's role does not require it (by default)
    assert other.get("/espace/registres/").status_code == 200


def test_superusers_must_enrol_too(client, two_factor_required):
    from territoire.accounts.models import User

    User.objects.create_superuser("root", "root@example.fr", PASSWORD)
    client.post(reverse("login"), {"username": "root", "password": PASSWORD})
    assert client.get("/admin/")["Location"] == "/espace/securite/?inscription=1"


def test_a_session_without_the_second_factor_is_asked_for_it(client, steward):
    device, _ = enrol(steward)
    client.force_login(steward)  # as a session opened before enrolment would be
    response = client.get("/espace/registres/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login_verify"))
    client.post(reverse("login_verify"), {"code": totp_code(device, steps_ahead=1)})
    assert client.get("/espace/registres/").status_code == 200


def test_api_tokens_are_not_sessions(client, data_officer, two_factor_required):
    from territoire.accounts import services

    _token, plaintext = services.token_create(actor=data_officer, user=data_officer, name="ci")
    response = client.get("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200


def test_removing_the_second_factor_asks_for_the_password(client, steward):
    enrol(steward)
    _password_step(client, steward)
    device = TOTPDevice.objects.get(user=steward)
    client.post(reverse("login_verify"), {"code": totp_code(device, steps_ahead=1)})
    refused = client.post(reverse("workspace:security_remove"), {"password": "pas le bon"})
    assert refused.status_code == 400
    assert "pas votre mot de passe actuel" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=steward).exists()
    client.post(reverse("workspace:security_remove"), {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=steward).exists()
    assert not StaticToken.objects.filter(device__user=steward).exists()
    assert (
        AuditEvent.objects.filter(
            action="delete", object_repr__startswith="double authentification retirée"
        ).count()
        == 1
    )


def test_regenerating_codes_replaces_them(client, steward):
    _device, old = enrol(steward)
    client.force_login(steward)
    session = client.session
    from django_otp import DEVICE_ID_SESSION_KEY

    session[DEVICE_ID_SESSION_KEY] = _device.persistent_id
    session.save()
    response = client.post(reverse("workspace:security_codes"), {"password": PASSWORD})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    tokens = set(StaticToken.objects.filter(device__user=steward).values_list("token", flat=True))
    assert tokens == set(new)


def test_the_data_officer_removes_a_lost_factor(client, data_officer, steward):
    enrol(steward)
    client.force_login(data_officer)
    response = client.post(
        reverse("workspace:officer_account_remove_two_factor", args=[steward.username]),
        {"reason": "téléphone perdu"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=steward).exists()
    event = AuditEvent.objects.get(
        action="delete", object_repr__startswith="double authentification"
    )
    assert event.actor == data_officer and event.reason == "téléphone perdu"


def test_only_the_data_officer_sees_others_accounts(client, steward, agent):
    client.force_login(steward)
    assert client.get(reverse("workspace:officer_accounts")).status_code == 403
    assert (
        client.get(reverse("workspace:officer_account", args=[agent.username])).status_code == 403
    )
    response = client.post(
        reverse("workspace:officer_account_remove_two_factor", args=[agent.username])
    )
    assert response.status_code == 403


def test_citizens_have_no_security_page(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("workspace:security")).status_code == 403


def test_otp_devices_are_not_in_the_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)


def test_on_the_api_a_session_without_its_second_factor_is_anonymous(client, steward, make_dataset):
    make_dataset("Notes internes", publish=True, access_level="internal")
    device, _ = enrol(steward)
    client.force_login(steward)  # a session that has not passed the second factor
    listed = client.get("/api/v1/datasets").json()
    assert "Notes internes" not in str(listed)
    client.post(reverse("login_verify"), {"code": totp_code(device, steps_ahead=1)})
    assert "Notes internes" in str(client.get("/api/v1/datasets").json())


def test_on_the_api_an_officer_who_must_enrol_is_anonymous_until_then(
    client, data_officer, make_dataset, two_factor_required
):
    make_dataset("Notes internes", publish=True, access_level="internal")
    client.force_login(data_officer)
    assert "Notes internes" not in str(client.get("/api/v1/datasets").json())
