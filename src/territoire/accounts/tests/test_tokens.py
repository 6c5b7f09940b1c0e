"""API tokens: prefixed, stored hashed, scoped, expiring, revocable, shown once."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone

from territoire.accounts.models import ApiToken
from territoire.accounts.services import token_authenticate, token_create, token_revoke
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.models import AuditEvent


@pytest.mark.django_db
def test_token_is_prefixed_and_only_its_hash_is_stored(agent):
    token, plaintext = token_create(actor=agent, user=agent, name="script", scopes=["read"])
    assert plaintext.startswith("trt_")
    secret = plaintext.split("_", 2)[2]
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    # the plaintext appears nowhere in the database row
    assert secret not in str(list(ApiToken.objects.filter(pk=token.pk).values()))
    assert token_authenticate(plaintext) == agent


@pytest.mark.django_db
def test_creation_is_audited_without_the_secret(agent):
    token, plaintext = token_create(actor=agent, user=agent, name="script")
    event = AuditEvent.objects.get(object_type="accounts.apitoken", object_id=str(token.pk))
    assert event.action == "create" and event.actor == agent
    assert event.changes["secret_hash"] == [None, "••••"]
    assert plaintext.split("_", 2)[2] not in str(event.changes)


@pytest.mark.django_db
def test_wrong_secret_unknown_id_and_garbage_are_refused(agent):
    _, plaintext = token_create(actor=agent, user=agent, name="script")
    assert token_authenticate(plaintext[:-2] + "xx") is None
    assert token_authenticate("trt_000000000000_" + plaintext.split("_", 2)[2]) is None
    assert token_authenticate("not-a-token") is None
    assert token_authenticate("") is None


@pytest.mark.django_db
def test_scope_is_enforced(agent):
    _, read_only = token_create(actor=agent, user=agent, name="lecture", scopes=["read"])
    assert token_authenticate(read_only, scope="read") == agent
    assert token_authenticate(read_only, scope="write") is None
    _, writer = token_create(actor=agent, user=agent, name="écriture", scopes=["read", "write"])
    assert token_authenticate(writer, scope="write") == agent


@pytest.mark.django_db
def test_admin_scope_is_reserved_to_data_officers(agent, data_officer):
    with pytest.raises(PermissionRefused):
        token_create(actor=agent, user=agent, name="x", scopes=["admin"])
    assert not ApiToken.objects.exists()
    _, token = token_create(actor=data_officer, user=data_officer, name="admin", scopes=["admin"])
    assert token_authenticate(token, scope="write") == data_officer


@pytest.mark.django_db
def test_expired_and_revoked_tokens_are_refused(agent):
    token, plaintext = token_create(actor=agent, user=agent, name="court", days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert token_authenticate(plaintext) is None
    token2, plaintext2 = token_create(actor=agent, user=agent, name="révocable")
    token_revoke(actor=agent, token=token2, reason="fuite")
    assert token_authenticate(plaintext2) is None
    event = AuditEvent.objects.filter(object_id=str(token2.pk), action="update").get()
    assert event.reason == "fuite" and "revoked_at" in event.changes


@pytest.mark.django_db
def test_inactive_user_token_is_refused(agent):
    _, plaintext = token_create(actor=agent, user=agent, name="x")
    agent.is_active = False
    agent.save()
    assert token_authenticate(plaintext) is None


@pytest.mark.django_db
def test_nobody_creates_or_revokes_tokens_for_someone_else(agent, citizen, data_officer):
    with pytest.raises(PermissionRefused):
        token_create(actor=citizen, user=agent, name="vol")
    token, _ = token_create(actor=agent, user=agent, name="mien")
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        token_revoke(actor=citizen, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.count() == events
    token_revoke(actor=data_officer, token=token)  # the data officer may revoke anyone's
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_bad_scope_and_duration_are_explained(agent):
    with pytest.raises(ValidationFailed, match="Portée"):
        token_create(actor=agent, user=agent, name="x", scopes=["everything"])
    with pytest.raises(ValidationFailed, match="3650"):
        token_create(actor=agent, user=agent, name="x", days=10_000)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_zero_days_is_refused_not_taken_for_the_default(agent):
    with pytest.raises(ValidationFailed, match="3650"):
        token_create(actor=agent, user=agent, name="x", days=0)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_stored_hash_is_not_a_secret(agent, client):
    """Someone who read the tokens table (a backup, a leaked dump) holds the hashes: presenting
    one as the secret must fail, in the service and through the API."""
    token, plaintext = token_create(actor=agent, user=agent, name="script", scopes=["read"])
    stored = ApiToken.objects.get(pk=token.pk).secret_hash
    forged = f"trt_{token.key_id}_{stored}"
    assert token_authenticate(forged) is None
    assert token_authenticate(f"trt_{token.key_id}_{stored.upper()}") is None
    response = client.get("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401
    assert token_authenticate(plaintext) == agent  # the real secret still works
