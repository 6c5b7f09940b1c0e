"""The registers in the native API: published entries and public fields for the public, drafts
for the territory's agents, not-found alike for what does not exist and what may not be seen."""

from __future__ import annotations

import pytest
from django.test import Client

pytest_plugins = ["territoire.registers.tests.fixtures"]
pytestmark = pytest.mark.django_db

BASE = "/api/v1/registers"


@pytest.fixture
def entries(make_processing, make_algorithm, make_dataset):
    open_data = make_dataset("Effectifs des cantines", publish=True)
    private = make_dataset("Fichier des familles", access_level="personal")
    canteen = make_processing(datasets=[open_data, private])
    draft = make_processing(name="Vidéoprotection", publish=False)
    creche = make_algorithm(datasets=[private], processing_activities=[canteen, draft])
    return canteen, draft, creche, open_data


@pytest.mark.parametrize(
    ("role", "sees_draft"),
    [("anonymous", False), ("citizen", False), ("agent", True), ("data_officer", True)],
)
def test_lists_by_role(roles, role, sees_draft, entries):
    canteen, draft, creche, open_data = entries
    client = Client()
    if roles[role] is not None:
        client.force_login(roles[role])
    processing = client.get(f"{BASE}/processing-activities").json()
    assert {p["reference"] for p in processing} == (
        {canteen.slug, draft.slug} if sees_draft else {canteen.slug}
    )
    detail = client.get(f"{BASE}/processing-activities/{draft.slug}")
    assert detail.status_code == (200 if sees_draft else 404)
    [algorithm] = client.get(f"{BASE}/algorithms").json()
    assert algorithm["processing_activities"] == (  # by name
        [canteen.slug, draft.slug] if sees_draft else [canteen.slug]
    )


def test_public_fields_only(client, entries):
    canteen, draft, creche, open_data = entries
    record = client.get(f"{BASE}/processing-activities/{canteen.slug}").json()
    assert record["datasets"] == [open_data.slug]  # the personal dataset is not named
    assert record["transfers"] == [
        {"recipient": "Hébergeur du portail famille", "country": "Suisse", "safeguard": "adequacy"}
    ]
    assert record["dpia_required"] is True and record["dpia"].startswith("Analyse d'impact")
    assert "internal_notes" not in record and "security_detail" not in record
    algorithm = client.get(f"{BASE}/algorithms/{creche.slug}").json()
    assert algorithm["datasets"] == [] and algorithm["parameters"][1]["weight"] == 1.5
    missing = client.get(f"{BASE}/algorithms/nexiste-pas")
    assert missing.status_code == 404 and "introuvable" in missing.content.decode()
