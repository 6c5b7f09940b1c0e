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
