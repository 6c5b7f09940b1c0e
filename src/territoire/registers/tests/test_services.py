"""The registers' writes: who may change what, the vocabulary checks, one audit event per change
(links included), and nothing written on a refusal."""

from __future__ import annotations

import pytest

from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.registers import services
from territoire.registers.models import Algorithm, ProcessingActivity
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.registers.tests.fixtures"]
pytestmark = pytest.mark.django_db


def _events(entry):
    return list(
        AuditEvent.objects.filter(
            object_type=entry._meta.label_lower, object_id=str(entry.pk)
        ).order_by("id")
    )


def test_create_then_update_is_audited_with_links(make_processing, make_dataset, data_officer):
    canteen = make_dataset("Effectifs des cantines")
    entry = make_processing(datasets=[canteen])
    assert entry.slug == "inscriptions-a-la-restauration-scolaire"
    assert entry.has_sensitive_data and entry.dpia_required
    [created] = _events(entry)
    assert created.action == "create" and created.changes["datasets"] == [[], [canteen.slug]]
    services.processing_update(
        actor=data_officer,
        entry=entry,
        retention=[{"category": "", "period": "3 ans"}],
        datasets=[],
    )
    update = _events(entry)[-1]
    assert update.action == "update"
    assert update.changes["retention"][1] == [{"category": "", "period": "3 ans"}]
    assert update.changes["datasets"] == [[canteen.slug], []]
    # Saving the same values again writes no event.
    services.processing_update(actor=data_officer, entry=entry, retention=[{"period": "3 ans"}])
    assert len(_events(entry)) == 2


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("citizen", False),
        ("reuser", False),
        ("agent", False),
        ("steward", True),
        ("data_officer", True),
    ],
)
def test_who_may_create(roles, role, allowed, service, processing_values):
    def create():
        return services.processing_create(actor=roles[role], service=service, **processing_values)

    if allowed:
        assert create().service == service
    else:
        with pytest.raises(PermissionRefused):
            create()
        assert not ProcessingActivity.objects.exists()
        assert not AuditEvent.objects.filter(object_type="registers.processingactivity").exists()


def test_steward_cannot_touch_or_hand_over_to_another_service(
    make_processing, steward, other_service, service
):
    other = make_processing(service=other_service, name="Abonnés de l'eau")
    with pytest.raises(PermissionRefused):
        services.processing_update(actor=steward, entry=other, name="Pris")
    own = make_processing()
    with pytest.raises(PermissionRefused):
        services.processing_update(actor=steward, entry=own, service=other_service)
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.service == service and other.name == "Abonnés de l'eau"
    assert len(_events(own)) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_bases", ["bon_plaisir"]),
        ("sensitive_categories", ["astrologie"]),
        ("dpia_criteria", ["nine_and_a_half"]),
        ("transfers", [{"recipient": "Cloud", "country": "États-Unis", "safeguard": ""}]),
        ("retention", [{"category": "Dossiers", "period": ""}]),
        ("purposes", []),
        ("controller_name", ""),
    ],
)
def test_bad_values_are_refused_and_nothing_written(make_processing, field, value):
    with pytest.raises(ValidationFailed) as refused:
        make_processing(**{field: value})
    assert refused.value.where == field
    assert not ProcessingActivity.objects.exists()
    assert not AuditEvent.objects.filter(object_type="registers.processingactivity").exists()


def test_private_dataset_cannot_be_linked_by_who_cannot_see_it(
    make_dataset, other_service, steward, service, processing_values
):
    hidden = make_dataset(
        "Fichier des agents", access_level="restricted", publisher_service=other_service
    )
    with pytest.raises(ValidationFailed):
        services.processing_create(
            actor=steward, service=service, datasets=[hidden], **processing_values
        )
    assert not ProcessingActivity.objects.exists()


def test_algorithm_parameters_are_structured(make_algorithm, make_processing):
    processing = make_processing()
    algo = make_algorithm(processing_activities=[processing])
    assert algo.parameters[1] == {
        "name": "Fratrie déjà accueillie",
        "description": "",
        "weight": 1.5,
    }
    assert algo.parameters[2]["weight"] is None
    assert list(algo.processing_activities.all()) == [processing]
    [created] = _events(algo)
    assert created.changes["processing_activities"] == [[], [processing.slug]]


@pytest.mark.parametrize(
    "parameters",
    [
        [{"name": "Âge", "weight": "beaucoup"}],
        [{"name": "Âge", "weight": -1}],
        [{"name": "", "weight": 1}],
        [{"name": "Âge", "weight": 1}, {"name": "âge", "weight": 2}],
    ],
)
def test_bad_parameters_refused(make_algorithm, parameters):
    with pytest.raises(ValidationFailed) as refused:
        make_algorithm(parameters=parameters)
    assert refused.value.where == "parameters"
    assert not Algorithm.objects.exists()


def test_delete_is_audited_and_steward_limited(make_algorithm, steward, other_service):
    mine = make_algorithm()
    theirs = make_algorithm(service=other_service, name="Tarification de l'eau")
    with pytest.raises(PermissionRefused):
        services.algorithm_delete(actor=steward, entry=theirs)
    mine_id = mine.pk
    services.algorithm_delete(actor=steward, entry=mine)
    assert list(Algorithm.objects.all()) == [theirs]
    assert AuditEvent.objects.filter(
        object_type="registers.algorithm", action="delete", object_id=str(mine_id)
    ).exists()
