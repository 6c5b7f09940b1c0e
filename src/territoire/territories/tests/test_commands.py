"""`territoire territories load` and quartiers."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from territoire.territories.models import Territory
from territoire.territories.services import quartier_create
from territoire.trust.models import AuditEvent


@pytest.mark.django_db
def test_load_command_json_report():
    out = StringIO()
    call_command("territories", "load", "--epci", "243400017", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["communes"] == 31
    assert report["epcis"] == 1
    assert report["boundaries_direct"] + report["boundaries_merged"] == 31


@pytest.mark.django_db
def test_load_command_unknown_epci_fails_with_message():
    with pytest.raises(CommandError, match="999999999"):
        call_command("territories", "load", "--epci", "999999999")


@pytest.mark.django_db
def test_quartier_under_a_commune_is_audited(montpellier, data_officer):
    commune = Territory.objects.get(kind="commune", code="34172")
    quartier = quartier_create(
        commune=commune, code="341720101", name="Écusson", actor=data_officer
    )
    assert quartier.parent == commune
    assert list(commune.children.filter(kind="quartier")) == [quartier]
    event = AuditEvent.objects.get(object_type="territories.territory", object_id=str(quartier.pk))
    assert event.actor == data_officer and event.action == "create"


@pytest.mark.django_db
def test_quartier_refused_under_an_epci_writes_nothing(montpellier, data_officer):
    from territoire.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        quartier_create(commune=montpellier, code="X1", name="Nulle part", actor=data_officer)
    assert not Territory.objects.filter(kind="quartier").exists()
    assert not AuditEvent.objects.exists()
