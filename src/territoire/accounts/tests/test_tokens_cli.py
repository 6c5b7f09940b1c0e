"""`territoire tokens create|list|revoke`: the token services from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from territoire.accounts.models import ApiToken
from territoire.accounts.services import token_authenticate, token_create
from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db


def tokens(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("tokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_and_only_it(agent, data_officer):
    out, err = tokens("create", "agent", "--scope", "write", "--expires", "30")
    plaintext = out.strip()
    assert plaintext.startswith("trt_") and "\n" not in plaintext
    assert token_authenticate(plaintext, scope="write") == agent
    token = ApiToken.objects.get(user=agent)
    assert token.scopes == ["read", "write"]
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    assert f"n° {token.pk}" in err and plaintext not in err
    event = AuditEvent.objects.get(object_type="accounts.apitoken", action="create")
    assert event.actor == data_officer  # the operator, the first data officer by default
    # listed without its secret
    listing, _ = tokens("list")
    assert f"trt_{token.key_id}…" in listing and plaintext.split("_", 2)[2] not in listing
    assert token.secret_hash not in listing


def test_admin_scope_follows_the_role(agent, data_officer):
    with pytest.raises(CommandError, match="admin"):
        tokens("create", "agent", "--scope", "admin")
    assert not ApiToken.objects.exists()
    out, _ = tokens("create", "officer", "--scope", "admin")
    assert token_authenticate(out.strip(), scope="write") == data_officer


@pytest.mark.parametrize(
    "args,message",
    [
        (("create", "personne"), "introuvable"),
        (("create", "agent", "--scope", "tout"), "Portée inconnue"),
        (("create", "agent", "--expires", "dix"), "--expires"),
        (("create", "agent", "--expires", "0"), "3650"),
        (("create", "agent", "--expires", "4000"), "3650"),
        (("create", "agent", "--as", "fantome"), "fantome"),
        (("revoke", "9999"), "introuvable"),
        (("revoke", "abc"), "introuvable"),
    ],
)
def test_clear_errors_and_nothing_done(agent, data_officer, args, message):
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=message) as error:
        tokens(*args)
    assert "\n" in str(error.value)  # French, then English
    assert not ApiToken.objects.exists() and AuditEvent.objects.count() == events


def test_without_any_data_officer_the_operator_must_say_who_acts(agent):
    with pytest.raises(CommandError, match="--as"):
        tokens("create", "agent")
    out, _ = tokens("create", "agent", "--as", "agent")  # anyone may create their own
    assert token_authenticate(out.strip()) == agent


def test_list_of_one_account_and_revoke(agent, citizen, data_officer):
    mine, _ = token_create(actor=agent, user=agent, name="script de l'agent")
    theirs, _ = token_create(actor=citizen, user=citizen, name="appli citoyenne")
    listing, _ = tokens("list", "agent")
    assert "script de l'agent" in listing and "appli citoyenne" not in listing
    out, _ = tokens("revoke", str(mine.pk), "--reason", "fuite dans un dépôt")
    assert "révoqué" in out
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    event = AuditEvent.objects.filter(object_id=str(mine.pk), action="update").get()
    assert event.reason == "fuite dans un dépôt" and event.actor == data_officer
    assert "révoqué" in tokens("list", "agent")[0]
    again, _ = tokens("revoke", str(mine.pk))
    assert "déjà" in again
    # acting as the citizen: only their own tokens exist
    with pytest.raises(CommandError, match="introuvable"):
        tokens("revoke", str(mine.pk), "--as", "citizen")
    listing, _ = tokens("list", "--as", "citizen")
    assert "appli citoyenne" in listing and "script de l'agent" not in listing
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
