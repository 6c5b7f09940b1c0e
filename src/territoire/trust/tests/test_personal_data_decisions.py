"""The personal-data gate's decision: only a data officer decides, with a reason, always audited."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from territoire.catalog.services import personal_data_decision_record
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.models import AuditEvent, PersonalDataDecision
from territoire.trust.selectors import personal_data_decision_latest, personal_data_decision_list

FLAGS = [
    {
        "column": "c1",
        "label": "Elu(s)",
        "kind": "person_name",
        "matches": 19,
        "checked": 19,
        "share": 1.0,
        "examples_masked": ["H••• M•••"],
        "reason_fr": "…",
        "reason_en": "…",
    },
    {
        "column": "c3",
        "label": "Tel",
        "kind": "phone",
        "matches": 94,
        "checked": 101,
        "share": 0.93,
        "examples_masked": ["04 •• •• •• 60"],
        "reason_fr": "…",
        "reason_en": "…",
    },
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["anonymous", "citizen", "reuser", "agent", "steward", "data_officer"]
)
def test_only_the_data_officer_decides(role, roles, make_dataset):
    dataset = make_dataset("Délibérations du conseil municipal")
    actor = roles[role]
    events_before = AuditEvent.objects.count()
    if role != "data_officer":
        with pytest.raises(PermissionRefused) as error:
            personal_data_decision_record(
                actor=actor,
                dataset=dataset,
                decision="publish_as_is",
                reason="Élus : fonction publique",
                flags=FLAGS,
            )
        assert (
            "administrateur des données" in error.value.message_fr
            and "data officer" in error.value.message_en
        )
        assert not PersonalDataDecision.objects.exists()
        assert AuditEvent.objects.count() == events_before
        assert personal_data_decision_latest(dataset) is None
        return
    decision = personal_data_decision_record(
        actor=actor,
        dataset=dataset,
        decision="publish_as_is",
        reason="Élus : fonction publique",
        flags=FLAGS,
    )
    assert personal_data_decision_latest(dataset) == decision
    assert AuditEvent.objects.count() == events_before + 1


@pytest.mark.django_db
def test_decision_and_audit_event_content(data_officer, make_dataset):
    dataset = make_dataset("Défibrillateurs")
    decision = personal_data_decision_record(
        actor=data_officer,
        dataset=dataset,
        decision="publish_as_is",
        reason="  Standards téléphoniques des bâtiments publics, pas de lignes personnelles.  ",
        flags=FLAGS,
    )
    decision.refresh_from_db()
    assert decision.decided_by == data_officer
    assert decision.decision == "publish_as_is"
    assert (
        decision.reason
        == "Standards téléphoniques des bâtiments publics, pas de lignes personnelles."
    )
    assert decision.flags == FLAGS
    assert str(decision).startswith("Défibrillateurs : publier tel quel")
    event = AuditEvent.objects.filter(action="decision").get()
    assert (event.actor, event.actor_repr) == (data_officer, data_officer.username)
    assert (event.object_type, event.object_id) == ("catalog.dataset", str(dataset.pk))
    assert event.reason == decision.reason
    assert event.changes == {
        "personal_data_decision": [None, "publish_as_is"],
        "decision_id": [None, decision.pk],
        "flagged_columns": [None, ["Elu(s)", "Tel"]],
    }


@pytest.mark.django_db
def test_latest_decision_counts_and_history_stays(data_officer, make_dataset):
    dataset = make_dataset("Aides sociales")
    first = personal_data_decision_record(
        actor=data_officer, dataset=dataset, decision="publish_as_is", reason="essai", flags=[]
    )
    second = personal_data_decision_record(
        actor=data_officer,
        dataset=dataset,
        decision="keep_private",
        reason="NIR présents",
        flags=FLAGS,
    )
    assert personal_data_decision_latest(dataset) == second
    assert personal_data_decision_list(dataset) == [second, first]
    assert personal_data_decision_latest(make_dataset("Autre jeu")) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "reason", "where"),
    [
        ("publish_as_is", "", "reason"),
        ("publish_as_is", "   ", "reason"),
        ("publish", "motif", "decision"),
    ],
)
def test_a_decision_needs_a_known_choice_and_a_reason(
    decision, reason, where, data_officer, make_dataset
):
    dataset = make_dataset("Budget")
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as error:
        personal_data_decision_record(
            actor=data_officer, dataset=dataset, decision=decision, reason=reason, flags=FLAGS
        )
    assert error.value.where == where
    assert not PersonalDataDecision.objects.exists()
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["citizen", "reuser", "agent", "steward", "data_officer"])
def test_admin_is_a_read_only_list_for_the_data_officer(role, roles):
    model_admin = admin.site._registry[PersonalDataDecision]
    request = RequestFactory().get("/admin/")
    request.user = roles[role]
    allowed = role == "data_officer"
    assert model_admin.has_module_permission(request) is allowed
    assert model_admin.has_view_permission(request) is allowed
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
