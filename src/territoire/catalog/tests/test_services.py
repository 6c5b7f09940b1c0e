"""Catalogue services: rules, permissions, audit (and nothing happens when refused)."""

from __future__ import annotations

import pytest

from territoire.catalog.models import Dataset
from territoire.catalog.services import (
    dataset_create,
    dataset_delete,
    dataset_publish,
    dataset_unpublish,
    dataset_update,
)
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.models import AuditEvent


@pytest.mark.django_db
def test_create_records_dcat_fields_and_an_audit_event(
    data_officer, organization, service, montpellier
):
    dataset = dataset_create(
        actor=data_officer,
        title="Budget primitif 2014",
        publisher=organization,
        publisher_service=service,
        themes=["ECON", "GOVE"],
        territories=[montpellier],
        keywords=["budget"],
        frequency="ANNUAL",
        licence="etalab-2.0",
        access_level="public",
    )
    assert dataset.slug == "budget-primitif-2014"
    assert sorted(dataset.themes.values_list("code", flat=True)) == ["ECON", "GOVE"]
    assert (
        dataset.themes.get(code="ECON").uri
        == "http://publications.europa.eu/resource/authority/data-theme/ECON"
    )
    event = AuditEvent.objects.get(object_type="catalog.dataset", object_id=str(dataset.pk))
    assert event.action == "create" and event.actor == data_officer
    assert event.changes["title"] == [None, "Budget primitif 2014"]
    assert event.changes["themes"] == [None, ["ECON", "GOVE"]]
    assert event.changes["territories"] == [None, ["243400017"]]


@pytest.mark.django_db
def test_update_records_old_and_new_values(make_dataset, steward):
    dataset = make_dataset("Délibérations")
    dataset_update(
        actor=steward,
        dataset=dataset,
        title="Délibérations du conseil",
        frequency="MONTHLY",
        themes=["GOVE"],
    )
    event = AuditEvent.objects.filter(object_id=str(dataset.pk), action="update").get()
    assert event.actor == steward
    assert event.changes["title"] == ["Délibérations", "Délibérations du conseil"]
    assert event.changes["frequency"] == ["UNKNOWN", "MONTHLY"]
    assert event.changes["themes"] == [[], ["GOVE"]]


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("citizen", False),
        ("reuser", False),
        ("agent", False),
        ("steward", True),
        ("data_officer", True),
    ],
)
@pytest.mark.django_db
def test_update_authorisation_matrix(make_dataset, roles, role, allowed):
    dataset = make_dataset("Défibrillateurs")
    events = AuditEvent.objects.count()
    if allowed:
        dataset_update(actor=roles[role], dataset=dataset, title="DAE")
        assert Dataset.objects.get(pk=dataset.pk).title == "DAE"
        assert AuditEvent.objects.count() == events + 1
    else:
        with pytest.raises(PermissionRefused):
            dataset_update(actor=roles[role], dataset=dataset, title="DAE")
        assert Dataset.objects.get(pk=dataset.pk).title == "Défibrillateurs"
        assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_steward_cannot_touch_another_service_dataset(make_dataset, steward, other_service):
    dataset = make_dataset("Compteurs d'eau", publisher_service=other_service)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        dataset_publish(actor=steward, dataset=dataset)
    assert not Dataset.objects.get(pk=dataset.pk).is_published
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_steward_cannot_create_for_another_service(steward, organization, other_service):
    with pytest.raises(PermissionRefused):
        dataset_create(
            actor=steward, title="X", publisher=organization, publisher_service=other_service
        )
    assert not Dataset.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_personal_dataset_is_never_published(make_dataset, data_officer):
    dataset = make_dataset("Bénéficiaires", access_level="personal")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match="données personnelles"):
        dataset_publish(actor=data_officer, dataset=dataset)
    assert not Dataset.objects.get(pk=dataset.pk).is_published
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_publish_unpublish_are_audited(make_dataset, steward):
    dataset = make_dataset("Budget")
    dataset_publish(actor=steward, dataset=dataset, reason="open data par défaut")
    dataset_unpublish(actor=steward, dataset=dataset, reason="erreur")
    events = list(
        AuditEvent.objects.filter(object_id=str(dataset.pk)).exclude(action="create").order_by("id")
    )
    assert [(e.action, e.get_action_display(), e.changes, e.reason) for e in events] == [
        (
            "publish",
            "publication",
            {"is_published": [False, True], "publication_state": ["draft", "published"]},
            "open data par défaut",
        ),
        (
            "unpublish",
            "dépublication",
            {"is_published": [True, False], "publication_state": ["published", "draft"]},
            "erreur",
        ),
    ]


@pytest.mark.django_db
def test_bad_values_are_explained_and_change_nothing(make_dataset, data_officer):
    dataset = make_dataset("Budget")
    with pytest.raises(ValidationFailed) as excinfo:
        dataset_update(actor=data_officer, dataset=dataset, frequency="SOMETIMES")
    assert excinfo.value.where == "frequency"
    with pytest.raises(ValidationFailed, match="Thème"):
        dataset_update(actor=data_officer, dataset=dataset, themes=["NOPE"])
    assert Dataset.objects.get(pk=dataset.pk).frequency == "UNKNOWN"


@pytest.mark.django_db
def test_only_the_data_officer_deletes(make_dataset, steward, data_officer):
    dataset = make_dataset("Budget")
    with pytest.raises(PermissionRefused):
        dataset_delete(actor=steward, dataset=dataset)
    assert Dataset.objects.filter(pk=dataset.pk).exists()
    dataset_delete(actor=data_officer, dataset=dataset, reason="doublon")
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    event = AuditEvent.objects.get(action="delete", object_type="catalog.dataset")
    assert event.reason == "doublon" and event.changes["title"] == ["Budget", None]
