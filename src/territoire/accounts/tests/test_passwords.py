"""The password policy: Django's validators plus the breached-looking patterns, with the reason
shown on the password change page; the change audited and other sessions closed."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from territoire.accounts import services
from territoire.accounts.models import User, UserSession
from territoire.accounts.security.passwords import BreachedLookingPasswordValidator
from territoire.core.errors import ValidationFailed
from territoire.trust.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _codes(password: str) -> list[str]:
    try:
        BreachedLookingPasswordValidator().validate(password)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(
    "password, code",
    [
        ("Azerty123456!", "password_keyboard_walk"),
        ("qsdfghjklmwx", "password_keyboard_walk"),
        ("1qaz2wsx3edc4rfv", "password_keyboard_walk"),
        ("zyxwvutsrqpo", "password_keyboard_walk"),
        ("aaaaaaaaaaaaaa", "password_repeated"),
        ("abcabcabcabc", "password_repeated"),
        ("Motdepasse2026!", "password_known_word"),
        ("Territoire2026!!", "password_known_word"),
    ],
)
def test_breached_looking_passwords_are_refused(password, code):
    assert code in _codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "un mot de passe solide 42",
        "correct horse battery staple",
        "Xk9#mP2$vL7q",
        "J'aime les tartes aux pommes",
    ],
)
def test_ordinary_good_passwords_pass(password):
    assert _codes(password) == []


def test_the_territory_name_with_a_year_is_refused(organization, settings):
    settings.TERRITOIRE_PASSWORD_FORBIDDEN_WORDS = ["Castelnau"]
    name = organization.name.split()[-1]  # a word of the publisher's name
    assert "password_known_word" in _codes(f"{name}2026!!{name[:2]}")
    assert "password_known_word" in _codes("Castelnau-2026!")
    assert _codes("Castelnau sous les platanes") == []


def test_the_configured_validators_apply_to_every_account():
    user = User(username="camille.martin", email="camille.martin@example.fr")
    with pytest.raises(ValidationError) as refused:
        validate_password("court", user)
    assert any("12" in m for m in refused.value.messages)
    with pytest.raises(ValidationError):
        validate_password("camille.martin", user)  # similar to the username
    with pytest.raises(ValidationError):
        validate_password("123456789012345", user)
    validate_password("une phrase bien à moi, 7 mots", user)


def test_user_create_says_why(data_officer):
    with pytest.raises(ValidationFailed) as refused:
        services.user_create(
            actor=data_officer, username="nouveau", password="Azerty123456!", role="agent"
        )
    assert "clavier" in refused.value.message_fr
    assert not User.objects.filter(username="nouveau").exists()


def test_the_password_change_page_says_why_and_closes_other_sessions(steward):
    other = Client()
    other.post(reverse("login"), {"username": "steward", "password": PASSWORD})
    browser = Client()
    browser.post(reverse("login"), {"username": "steward", "password": PASSWORD})
    page = browser.get(reverse("password_change"))
    assert page.status_code == 200
    refused = browser.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Azerty123456!",
            "new_password2": "Azerty123456!",
        },
    )
    assert refused.status_code == 200
    assert "ligne du clavier" in refused.content.decode()
    assert not AuditEvent.objects.filter(reason="mot de passe changé").exists()
    new = "une autre phrase bien à moi"
    done = browser.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    steward.refresh_from_db()
    assert steward.check_password(new)
    event = AuditEvent.objects.get(reason="mot de passe changé")
    assert event.actor == steward and event.changes == {"password": ["••••", "••••"]}
    assert browser.get(reverse("workspace:security")).status_code == 200
    tracked = UserSession.objects.get(user=steward, session_key=browser.session.session_key)
    assert tracked.session_key  # the same browser session, under its cycled key
    assert other.get(reverse("workspace:security")).status_code == 302  # signed out
