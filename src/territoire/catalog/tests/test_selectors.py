"""Who sees which dataset: one selector, used by the portal, the API and the admin."""

from __future__ import annotations

import pytest

from territoire.catalog.selectors import (
    dataset_check_editable,
    dataset_get_editable,
    dataset_get_for_actor,
    dataset_list_editable,
    dataset_list_for_actor,
)
from territoire.core.errors import NotFound, PermissionRefused


@pytest.fixture
def catalogue(make_dataset, other_service):
    return {
        "public": make_dataset("Public publié", publish=True),
        "draft": make_dataset("Public non publié"),
        "internal": make_dataset("Interne", access_level="internal"),
        "restricted_mine": make_dataset("Restreint finances", access_level="restricted"),
        "restricted_other": make_dataset(
            "Restreint eau", access_level="restricted", publisher_service=other_service
        ),
        "personal": make_dataset("Personnel", access_level="personal"),
    }


EXPECTED = {
    "anonymous": {"public"},
    "citizen": {"public"},
    "reuser": {"public"},
    "agent": {"public", "draft", "internal", "restricted_mine"},
    "steward": {"public", "draft", "internal", "restricted_mine", "personal"},
    "data_officer": {
        "public",
        "draft",
        "internal",
        "restricted_mine",
        "restricted_other",
        "personal",
    },
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.django_db
def test_visibility_matrix(catalogue, roles, role):
    visible = set(dataset_list_for_actor(roles[role]).values_list("slug", flat=True))
    assert visible == {catalogue[key].slug for key in EXPECTED[role]}
    for key, dataset in catalogue.items():
        if key in EXPECTED[role]:
            assert dataset_get_for_actor(roles[role], dataset.slug) == dataset
        else:
            with pytest.raises(NotFound):
                dataset_get_for_actor(roles[role], dataset.slug)


@pytest.mark.django_db
def test_hidden_and_missing_look_the_same(catalogue):
    with pytest.raises(NotFound) as hidden:
        dataset_get_for_actor(None, catalogue["internal"].slug)
    with pytest.raises(NotFound) as missing:
        dataset_get_for_actor(None, "n-existe-pas")
    assert type(hidden.value) is type(missing.value)
    assert hidden.value.status == missing.value.status == 404


EDITABLE = {
    "anonymous": set(),
    "citizen": set(),
    "reuser": set(),
    "agent": set(),
    "steward": {"public", "draft", "internal", "restricted_mine", "personal"},
    "data_officer": set(EXPECTED["data_officer"]),
}


@pytest.mark.parametrize("role", list(EDITABLE))
@pytest.mark.django_db
def test_edit_matrix_one_rule_for_lists_and_single_datasets(catalogue, roles, role):
    """The back-office list, the admin and every write ask the same rule; the list form and the
    check of one dataset agree, and refusals say why in French and English."""
    actor = roles[role]
    editable = set(dataset_list_editable(actor).values_list("slug", flat=True))
    assert editable == {catalogue[key].slug for key in EDITABLE[role]}
    for key, dataset in catalogue.items():
        if key in EDITABLE[role]:
            assert dataset_get_editable(actor, dataset.slug) == dataset
            dataset_check_editable(actor, dataset)
        elif key in EXPECTED[role]:
            with pytest.raises(PermissionRefused) as refused:
                dataset_get_editable(actor, dataset.slug)
            assert dataset.slug in refused.value.message_fr
            assert dataset.slug in refused.value.message_en
        else:
            with pytest.raises(NotFound):
                dataset_get_editable(actor, dataset.slug)
