"""Login, logout, rate limiting and password reset by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from territoire.trust.models import AuditEvent


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.django_db
def test_login_page_is_french_and_labelled(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.django_db
def test_login_success_is_audited(client, agent):
    response = client.post(
        reverse("login"), {"username": "agent", "password": "un mot de passe solide 42"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=agent).count() == 1


@pytest.mark.django_db
def test_login_is_rate_limited_even_with_the_right_password(client, agent, settings):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 3
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "agent", "password": "faux"})
        assert response.status_code == 200
    assert AuditEvent.objects.filter(action="login_failed").count() == 3
    response = client.post(
        reverse("login"), {"username": "agent", "password": "un mot de passe solide 42"}
    )
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_sends_a_working_link(client, agent):
    response = client.post(reverse("password_reset"), {"email": agent.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url,
        {
            "new_password1": "un tout nouveau secret 77",
            "new_password2": "un tout nouveau secret 77",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("un tout nouveau secret 77")


@pytest.mark.django_db
def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "personne@example.fr"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_logout_needs_post(client, agent):
    client.force_login(agent)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# ------------------------------------------------------------------ limits per account and address

GOOD = "un mot de passe solide 42"


def _post(client, password, address, username="agent", url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_a_stranger_cannot_lock_the_owner_out(client, agent, settings, rate_store):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 5
    for _ in range(8):
        assert _post(client, "faux", "203.0.113.5").status_code == 200
    # five passwords were checked; the three after them were refused unchecked
    assert AuditEvent.objects.filter(action="login_failed").count() == 5
    locked = _post(client, GOOD, "203.0.113.5")
    assert "Trop de tentatives" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # the owner, from their own address, signs in
    assert _post(client, GOOD, "198.51.100.9").status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_a_lock_is_per_account(client, agent, citizen, settings, rate_store):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 2
    for _ in range(2):
        _post(client, "faux", "203.0.113.5")
    assert "Trop de tentatives" in _post(client, GOOD, "203.0.113.5").content.decode()
    # someone else behind the same address signs in to their own account
    assert _post(client, GOOD, "203.0.113.5", username="citizen").status_code == 302


def test_a_success_forgives_earlier_failures(client, agent, settings, rate_store):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 3
    for _ in range(2):
        _post(client, "faux", "192.0.2.1")
    assert _post(client, GOOD, "192.0.2.1").status_code == 302
    client.logout()
    for _ in range(2):
        assert "Trop de tentatives" not in _post(client, "faux", "192.0.2.1").content.decode()
    assert _post(client, GOOD, "192.0.2.1").status_code == 302


def test_an_empty_password_neither_counts_nor_forgives(client, agent, settings):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 2
    for _ in range(2):
        _post(client, "faux", "192.0.2.1")
    assert _post(client, "", "192.0.2.1").status_code == 200
    assert "Trop de tentatives" in _post(client, GOOD, "192.0.2.1").content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() == 2


def test_the_username_case_does_not_open_a_new_lock(client, agent, settings):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 2
    _post(client, "faux", "192.0.2.1", username="agent")
    _post(client, "faux", "192.0.2.1", username="AGENT")
    assert "Trop de tentatives" in _post(client, GOOD, "192.0.2.1").content.decode()


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(client, agent, settings):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 2
    # no trusted proxy: a client that writes its own X-Forwarded-For stays who it is
    for fake in ("198.51.100.1", "198.51.100.2"):
        client.post(
            reverse("login"),
            {"username": "agent", "password": "faux"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=fake,
        )
    refused = client.post(
        reverse("login"),
        {"username": "agent", "password": GOOD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="198.51.100.3",
    )
    assert "Trop de tentatives" in refused.content.decode()
    event = AuditEvent.objects.filter(action="login_failed").first()
    assert event.ip_address == "203.0.113.5"
    # behind a trusted proxy, the address it forwards is the client's
    settings.TERRITOIRE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    signed_in = client.post(
        reverse("login"),
        {"username": "agent", "password": GOOD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.3",
    )
    assert signed_in.status_code == 302
    assert AuditEvent.objects.get(action="login").ip_address == "198.51.100.3"


def test_the_back_office_login_is_the_same_login(client, agent, settings):
    settings.TERRITOIRE_LOGIN_ATTEMPTS = 2
    admin_login = "/admin/login/"
    for _ in range(2):
        assert _post(client, "faux", "192.0.2.1", url=admin_login).status_code == 200
    assert AuditEvent.objects.filter(action="login_failed").count() == 2
    assert "Trop de tentatives" in _post(client, GOOD, "192.0.2.1").content.decode()
    assert (
        "Trop de tentatives" in _post(client, GOOD, "192.0.2.1", url=admin_login).content.decode()
    )
    assert _post(client, GOOD, "198.51.100.9", url=admin_login + "?next=/admin/").url == "/admin/"
    assert AuditEvent.objects.filter(action="login").count() == 1


# ------------------------------------------------------------------------------- password reset


def _reset(client, email, address="192.0.2.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_is_limited_per_email_without_saying_so(client, agent, settings, rate_store):
    settings.TERRITOIRE_PASSWORD_RESET_EMAIL_RATE = "2/3600"
    answers = [_reset(client, agent.email, f"192.0.2.{i}") for i in range(4)]
    assert [a.status_code for a in answers] == [302] * 4
    assert len({a.url for a in answers}) == 1
    assert len(mail.outbox) == 2  # beyond the limit: the same answer, no e-mail
    # an address with no account gets exactly the same answers
    unknown = [_reset(client, "personne@example.fr", f"192.0.2.{i}") for i in range(4)]
    assert [(a.status_code, a.url) for a in unknown] == [(a.status_code, a.url) for a in answers]
    assert len(mail.outbox) == 2


def test_password_reset_is_limited_per_address(client, agent, settings, rate_store):
    settings.TERRITOIRE_PASSWORD_RESET_IP_RATE = "2/3600"
    for _ in range(2):
        assert _reset(client, "personne@example.fr").status_code == 302
    refused = _reset(client, agent.email)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Trop de demandes de réinitialisation" in refused.content.decode()
    assert mail.outbox == []
    # another address is not concerned
    assert _reset(client, agent.email, "198.51.100.9").status_code == 302
    assert len(mail.outbox) == 1
