"""Sessions listed and closed (one, all others, all of someone who leaves), and the login history
with truncated addresses, its readers and its retention."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from territoire.accounts.models import LoginEvent, LoginOutcome, UserSession
from territoire.accounts.security import clients, history, sessions
from territoire.core.errors import PermissionRefused
from territoire.trust.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


def _browser(user, user_agent=FIREFOX, ip="192.0.2.57") -> Client:
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_addresses_are_truncated():
    assert clients.truncate_ip("192.0.2.57") == "192.0.2.0/24"
    assert clients.truncate_ip("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert clients.truncate_ip("::ffff:192.0.2.57") == "192.0.2.0/24"
    assert clients.truncate_ip("unknown") == ""


def test_browsers_in_words():
    assert clients.describe_user_agent(FIREFOX) == "Firefox sur Linux"
    assert clients.describe_user_agent(CHROME_ANDROID) == "Chrome sur Android"
    assert clients.describe_user_agent("") == "navigateur inconnu"


def test_sessions_are_listed_and_one_is_closed(steward):
    laptop = _browser(steward)
    phone = _browser(steward, CHROME_ANDROID, "2001:db8:1:2::5")
    page = laptop.get(reverse("workspace:security")).content.decode()
    assert "Firefox sur Linux" in page and "Chrome sur Android" in page
    assert "192.0.2.0/24" in page and "2001:db8:1::/48" in page
    assert "192.0.2.57" not in page
    phone_session = UserSession.objects.get(user_agent=CHROME_ANDROID)
    response = laptop.post(reverse("workspace:security_session_revoke", args=[phone_session.pk]))
    assert response.status_code == 302
    assert SESSION_KEY not in phone.session  # the phone is signed out
    assert phone.get(reverse("workspace:security")).status_code == 302
    assert laptop.get(reverse("workspace:security")).status_code == 200
    event = AuditEvent.objects.get(action="delete", object_type="accounts.usersession")
    assert event.actor == steward and event.changes == {"sessions": [1, 0]}


def test_the_current_session_is_not_closed_by_its_revoke_button(steward):
    laptop = _browser(steward)
    current = UserSession.objects.get(user=steward)
    laptop.post(reverse("workspace:security_session_revoke", args=[current.pk]))
    assert laptop.get(reverse("workspace:security")).status_code == 200
    assert not AuditEvent.objects.filter(object_type="accounts.usersession").exists()


def test_closing_all_other_sessions(steward):
    laptop, phone, tablet = _browser(steward), _browser(steward), _browser(steward)
    laptop.post(reverse("workspace:security_sessions_revoke_all"))
    assert laptop.get(reverse("workspace:security")).status_code == 200
    for browser in (phone, tablet):
        assert browser.get(reverse("workspace:security")).status_code == 302
    assert UserSession.objects.filter(user=steward).count() == 1


def test_the_data_officer_closes_every_session_of_someone_who_leaves(data_officer, steward):
    tracked = _browser(steward)
    untracked = Client()
    untracked.force_login(steward)  # a session the login page did not open, found all the same
    officer = Client()
    officer.force_login(data_officer)
    response = officer.post(
        reverse("workspace:officer_account_revoke_sessions", args=[steward.username]),
        {"reason": "départ de l'agent"},
    )
    assert response.status_code == 302
    for browser in (tracked, untracked):
        assert browser.get(reverse("workspace:security")).status_code == 302
    event = AuditEvent.objects.get(object_type="accounts.usersession")
    assert event.actor == data_officer and event.reason == "départ de l'agent"
    assert event.changes == {"sessions": [2, 0]}


def test_a_steward_cannot_close_someone_elses_sessions(steward, agent):
    browser = _browser(agent)
    with pytest.raises(PermissionRefused):
        sessions.session_revoke_all(actor=steward, user=agent)
    assert browser.get(reverse("workspace:security")).status_code == 200
    assert not AuditEvent.objects.filter(object_type="accounts.usersession").exists()


def test_logging_out_forgets_the_session(steward):
    browser = _browser(steward)
    assert UserSession.objects.filter(user=steward).count() == 1
    browser.post(reverse("logout"))
    assert not UserSession.objects.filter(user=steward).exists()


def test_login_history_records_successes_and_failures(steward, client):
    Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="198.51.100.9").post(
        reverse("login"), {"username": "steward", "password": "pas le bon"}
    )
    Client().post(reverse("login"), {"username": "personne", "password": "pas le bon"})
    browser = _browser(steward)
    failure = LoginEvent.objects.get(user=steward, outcome=LoginOutcome.FAILURE)
    assert failure.ip_prefix == "198.51.100.0/24" and failure.user_agent == FIREFOX
    unknown = LoginEvent.objects.get(username="personne")
    assert unknown.user is None
    page = browser.get(reverse("workspace:security")).content.decode()
    assert "198.51.100.0/24" in page and "mot de passe refusé" in page
    assert "connexion réussie" in page
    assert "personne" not in page  # an account sees its own history only


def test_the_data_officer_reads_a_history_and_the_read_is_audited(client, data_officer, steward):
    _browser(steward)
    client.force_login(data_officer)
    page = client.get(reverse("workspace:officer_account", args=[steward.username]))
    assert page.status_code == 200 and "connexion réussie" in page.content.decode()
    read = AuditEvent.objects.get(action="read", reason="historique de connexion")
    assert read.actor == data_officer and read.object_id == str(steward.pk)
    accounts = client.get(reverse("workspace:officer_accounts")).content.decode()
    assert "steward" in accounts and "non activée" in accounts


def test_history_past_its_retention_is_pruned(steward, settings):
    settings.TERRITOIRE_LOGIN_HISTORY_DAYS = 30
    old = LoginEvent.objects.create(
        user=steward,
        username="steward",
        outcome=LoginOutcome.SUCCESS,
        created_at=timezone.now() - datetime.timedelta(days=31),
    )
    recent = LoginEvent.objects.create(
        user=steward, username="steward", outcome=LoginOutcome.SUCCESS
    )
    assert list(history.login_history_for_actor(steward, user=steward)) == [recent]
    call_command("security", "prune")
    assert not LoginEvent.objects.filter(pk=old.pk).exists()
    assert LoginEvent.objects.filter(pk=recent.pk).exists()


def test_security_status_command(capsys, data_officer, steward, two_factor_required):
    call_command("security", "status")
    out = capsys.readouterr().out
    assert "officer" in out and "EXIGÉE, non activée" in out
    assert re.search(r"steward\s+steward\s+non activée", out)


def test_the_data_officer_watches_refused_attempts(client, data_officer, steward):
    Client(REMOTE_ADDR="203.0.113.7").post(
        reverse("login"), {"username": "inconnu", "password": "devine"}
    )
    Client().post(reverse("login"), {"username": "steward", "password": "devine"})
    _browser(steward)  # a success is not a refusal
    client.force_login(data_officer)
    page = client.get(reverse("workspace:officer_accounts")).content.decode()
    assert "inconnu (compte inconnu)" in page and "203.0.113.0/24" in page
    assert f'href="{reverse("workspace:officer_account", args=["steward"])}">steward</a>' in page
    assert page.count("mot de passe refusé") == 2
    read = AuditEvent.objects.get(action="read", object_type="accounts.loginevent")
    assert read.actor == data_officer
    client.force_login(steward)
    assert client.get(reverse("workspace:officer_accounts")).status_code == 403


def test_prune_forgets_enrolments_never_confirmed(steward):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from territoire.accounts.security import two_factor

    stale = two_factor.totp_enrolment_start(actor=steward)
    TOTPDevice.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    call_command("security", "prune")
    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()
    fresh = two_factor.totp_enrolment_start(actor=steward)
    call_command("security", "prune")
    assert TOTPDevice.objects.filter(pk=fresh.pk).exists()
