"""Roles decide staff access; user services are audited."""

from __future__ import annotations

import pytest

from territoire.accounts.models import User
from territoire.accounts.services import membership_add, user_create, user_set_role
from territoire.core.errors import PermissionRefused
from territoire.trust.models import AuditEvent


@pytest.mark.django_db
def test_staff_access_follows_role(roles):
    assert {name: (u.is_staff if u else False) for name, u in roles.items()} == {
        "anonymous": False,
        "citizen": False,
        "reuser": False,
        "agent": True,
        "steward": True,
        "data_officer": True,
    }


@pytest.mark.django_db
def test_user_create_by_data_officer_is_audited_with_masked_password(data_officer):
    user = user_create(
        actor=data_officer, username="nouvel-agent", role="agent", password="un secret très long 99"
    )
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(user.pk))
    assert event.action == "create" and event.actor == data_officer
    assert event.changes["password"] == [None, "••••"]
    assert event.changes["role"] == [None, "agent"]


@pytest.mark.django_db
def test_citizen_cannot_create_staff_or_change_roles(citizen, agent):
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        user_create(actor=citizen, username="pirate", role="data_officer")
    with pytest.raises(PermissionRefused):
        user_set_role(actor=agent, user=citizen, role="data_officer")
    assert not User.objects.filter(username="pirate").exists()
    citizen.refresh_from_db()
    assert citizen.role == "citizen"
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_membership_changes_are_audited(data_officer, citizen, other_service):
    membership = membership_add(
        actor=data_officer, user=citizen, service=other_service, role="steward"
    )
    assert AuditEvent.objects.filter(
        object_type="accounts.membership", object_id=str(membership.pk), action="create"
    ).exists()
