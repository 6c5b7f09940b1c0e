"""The DPIA screener: two of the EDPB's nine criteria, or one kind of processing on the CNIL's
list, and a DPIA is required; the result is said in words."""

from __future__ import annotations

import pytest

from territoire.registers.exports import dpia_verdict
from territoire.registers.vocabularies import CnilMandatory, DpiaCriterion

pytest_plugins = ["territoire.registers.tests.fixtures"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("criteria", "mandatory", "required", "words"),
    [
        ([], [], False, "non requise : aucun critère du CEPD n'est rempli"),
        (["large_scale"], [], False, "non requise : un seul critère du CEPD sur neuf"),
        (["large_scale", "matching"], [], True, "obligatoire : 2 critères du CEPD sur neuf"),
        (list(DpiaCriterion.values), [], True, "obligatoire : 9 critères du CEPD sur neuf"),
        (
            [],
            ["social_housing"],
            True,
            "obligatoire : le traitement figure sur la liste de la CNIL",
        ),
    ],
)
def test_verdict(make_processing, criteria, mandatory, required, words):
    entry = make_processing(dpia_criteria=criteria, dpia_mandatory=mandatory)
    assert entry.dpia_required is required
    assert words in dpia_verdict(entry)


def test_vocabularies_are_complete():
    assert len(DpiaCriterion.values) == 9
    assert len(CnilMandatory.values) == 14


def test_reference_said_when_done(make_processing):
    entry = make_processing(dpia_reference="AIPD n° 2025-04, validée par le DPO le 3 mars 2025")
    assert dpia_verdict(entry).endswith(
        "Analyse réalisée : AIPD n° 2025-04, validée par le DPO le 3 mars 2025."
    )
