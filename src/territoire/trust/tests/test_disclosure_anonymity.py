"""k-anonymity and l-diversity on a table whose answers are worked out by hand."""

from __future__ import annotations

import duckdb
import pytest

from territoire.core.errors import ValidationFailed
from territoire.trust.disclosure import AnonymityConfig, check_anonymity

# (tranche d'âge, commune, sexe) are the quasi-identifiers, diagnostic the sensitive attribute.
PATIENTS = [
    ("30-39", "A", "F", "grippe"),
    ("30-39", "A", "F", "asthme"),
    ("30-39", "A", "F", "grippe"),
    ("40-49", "A", "H", "diabète"),
    ("40-49", "A", "H", "diabète"),
    (None, "B", "F", "grippe"),  # age missing: a group of one on its own
    ("50-59", "B", "H", "asthme"),
    ("50-59", "B", "H", "grippe"),
    ("50-59", "B", "H", "diabète"),
]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE patients (age VARCHAR, commune VARCHAR, sexe VARCHAR, diagnostic VARCHAR)"
    )
    con.executemany("INSERT INTO patients VALUES (?, ?, ?, ?)", PATIENTS)
    return con


def test_k_and_l_by_hand(con):
    # groups: (30-39, A, F) 3 rows, 2 diagnoses; (40-49, A, H) 2 rows, 1 diagnosis;
    # (missing, B, F) 1 row, 1 diagnosis; (50-59, B, H) 3 rows, 3 diagnoses.
    config = AnonymityConfig(("age", "commune", "sexe"), ("diagnostic",), k=2, l=2)
    result = check_anonymity(con, "patients", config)
    assert (result.rows, result.classes, result.k, result.l) == (9, 4, 1, 1)
    assert result.below_k == 1  # the lone row with a missing age
    assert result.below_l == 2  # (40-49, A, H) are all diabetic; the lone row
    assert not result.may_open
    assert result.smallest[0] == {
        "values": {"age": None, "commune": "B", "sexe": "F"},
        "size": 1,
        "distinct_sensitive": 1,
    }
    assert result.smallest[1]["values"] == {"age": "40-49", "commune": "A", "sexe": "H"}
    data = result.as_dict()
    assert data["may_open"] is False and data["required_k"] == 2
    assert "Ne peut pas être ouvert en l'état." in data["sentences_fr"]
    assert any("k = 1" in s for s in data["sentences_en"])


def test_coarser_quasi_identifiers_may_be_opened(con):
    # by commune only: A has 5 rows and 3 diagnoses, B 4 rows and 3 diagnoses
    config = AnonymityConfig(("commune",), ("diagnostic",), k=4, l=3)
    result = check_anonymity(con, "patients", config)
    assert (result.k, result.l, result.classes) == (4, 3, 2)
    assert result.may_open
    assert "May be opened." in result.sentences("en")
    assert not check_anonymity(con, "patients", AnonymityConfig(("commune",), k=5)).may_open


def test_k_only_and_two_sensitive_attributes(con):
    result = check_anonymity(con, "patients", AnonymityConfig(("commune", "sexe"), k=2))
    # (A, F) 3, (A, H) 2, (B, F) 1, (B, H) 3
    assert (result.k, result.l, result.below_k) == (1, None, 1)
    both = check_anonymity(
        con, "patients", AnonymityConfig(("commune",), ("diagnostic", "sexe"), k=2, l=2)
    )
    assert both.l == 2  # each commune has both sexes and 3 diagnoses: the least is 2


@pytest.mark.parametrize(
    ("values", "where", "french"),
    [
        ({"quasi_identifiers": ()}, "quasi_identifiers", "aucun quasi-identifiant"),
        ({"k": 1}, "k", "k = 1 ne protège personne"),
        ({"sensitive": ("age",)}, "sensitive", "à la fois quasi-identifiant et attribut sensible"),
        ({"sensitive": ("diagnostic",), "l": 1}, "l", "l = 1"),
    ],
)
def test_a_check_that_cannot_protect_is_refused(values, where, french):
    arguments = {"quasi_identifiers": ("age",)} | values
    with pytest.raises(ValidationFailed) as refused:
        AnonymityConfig(**arguments)
    assert where in refused.value.where and french in refused.value.message_fr


def test_missing_columns_are_refused(con):
    with pytest.raises(ValidationFailed) as refused:
        check_anonymity(con, "patients", AnonymityConfig(("age", "quartier"), ("revenu",)))
    assert refused.value.where == "quasi_identifiers, sensitive"
    assert "'quartier' does not exist" in refused.value.message_en
