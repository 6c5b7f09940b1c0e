"""Every example of ../shared/data/schemas/ validated by us and by frictionless, side by side.

Each CSV example is loaded into DuckDB as the ingestion engine leaves it (read_csv, every column
VARCHAR, plus __line__), validated with validate_table, and validated by `frictionless.validate`
in the same test: same verdict, same error kinds per column with the same counts. The expected
outcome of each invalid example is also written down, so both tools cannot drift together.

Four schemas carry metadata slips that frictionless refuses outright (it then validates no data):
we read them as their authors meant, with a schema warning, and the data comparison runs against
frictionless given the same repaired schema (docs/schemas.md, "Deliberate differences").
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from frictionless import validate

from territoire.schemas.validation import validate_table

from .loaders import (
    frictionless_counts,
    frictionless_report,
    load_with_duckdb,
    repaired_for_frictionless,
)

SCHEMAS = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "schemas"
EXAMPLES = sorted(
    str(path.relative_to(SCHEMAS))
    for path in list(SCHEMAS.glob("*/*.csv")) + list(SCHEMAS.glob("*/exemples-communes/*.csv"))
)
# What each invalid example must report (kind, column) -> count; every other example is valid.
EXPECTED_ERRORS = {
    "arretes-circulation-marchandises/exemples-communes/fuveau.csv": {
        ("constraint-error", "EMPRISE_DESIGNATION"): 1
    },
    "arretes-circulation-marchandises/exemples-communes/septemes-les-vallons.csv": {
        ("type-error", "ARR_DATE"): 4
    },
    "comptage-mobilites-channel/exemple-invalide.csv": {
        ("constraint-error", "temporality"): 2,
        ("constraint-error", "mobility_type"): 2,
        ("constraint-error", "started_at"): 2,
        ("primary-key", None): 1,
    },
    "scdl-prenoms/exemple-invalide.csv": {
        ("constraint-error", "COLL_INSEE"): 1,
        ("constraint-error", "COMMUNE_NOM"): 2,
        ("constraint-error", "ENFANT_PRENOM"): 3,
        ("constraint-error", "ENFANT_SEXE"): 1,
    },
    "scdl-subventions/exemple-invalide.csv": {
        ("missing-label", "dispositifAide"): 1,
        ("constraint-error", "idAttribuant"): 1,
        ("constraint-error", "rnaBeneficiaire"): 3,
        ("constraint-error", "montant"): 1,
        ("constraint-error", "nature"): 1,
        ("constraint-error", "datesPeriodeVersement"): 1,
        ("constraint-error", "pourcentageSubvention"): 3,
        ("type-error", "dateConvention"): 1,
        ("type-error", "montant"): 1,
        ("type-error", "notificationUE"): 2,
        ("type-error", "pourcentageSubvention"): 1,
    },
    "stationnement/exemple-invalide.csv": {
        ("constraint-error", "id"): 1,
        ("constraint-error", "tarif_pmr"): 1,
    },
}
# Schemas frictionless refuses as a whole, and why.
SCHEMA_SLIPS = {
    "arbres-urbains": "schema-error",  # "name": "Arbres urbains" breaks the name pattern
    "comptage-mobilites-channel": "field-error",  # "required" beside "constraints"
    "comptage-mobilites-measure": "field-error",
    "equipements-velo-bretagne": "field-error",  # an "example" that is not a URI
}


def test_every_example_is_covered():
    assert len(EXAMPLES) >= 30, EXAMPLES
    assert set(EXPECTED_ERRORS) <= set(EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_same_verdict_and_errors_as_frictionless(example, shared_data, tmp_path):
    path = shared_data / "schemas" / example
    schema = json.loads(
        (path.parents[1] if "exemples-communes" in example else path.parent)
        .joinpath("schema.json")
        .read_text(encoding="utf-8")
    )
    con = duckdb.connect()
    columns = load_with_duckdb(con, path, scratch=tmp_path)

    ours = validate_table(con, "raw", schema, columns, file_name=path.name)
    theirs = frictionless_report(path, repaired_for_frictionless(schema))

    assert ours.counts() == frictionless_counts(theirs)
    assert ours.valid == theirs.valid
    assert ours.counts() == EXPECTED_ERRORS.get(example, {})
    assert ours.row_count == theirs.tasks[0].stats["rows"]
    for group in ours.errors_by_kind:
        assert group.message_fr and group.message_en and group.what_to_do_fr
        if group.kind not in ("missing-label", "extra-label", "incorrect-label"):
            assert group.examples and all(isinstance(e["line"], int) for e in group.examples)
    # the first examples carry frictionless' own row numbers
    their_rows = {}
    for error in theirs.tasks[0].errors:
        if hasattr(error, "row_number"):
            their_rows.setdefault((error.type, getattr(error, "field_name", None)), []).append(
                error.row_number
            )
    for group in ours.errors_by_kind:
        if group.kind in ("type-error", "constraint-error"):
            assert {e["line"] for e in group.examples} <= set(
                their_rows[(group.kind, group.column)]
            )


@pytest.mark.parametrize("name", sorted(SCHEMA_SLIPS))
def test_schema_slips_are_read_not_fatal(name, shared_data):
    """frictionless rejects these schemas and checks no row; we check the data and warn."""
    schema = json.loads(
        (shared_data / "schemas" / name / "schema.json").read_text(encoding="utf-8")
    )
    example = shared_data / "schemas" / name / "exemple-valide.csv"
    theirs = validate(example.name, basepath=str(example.parent), schema="schema.json")
    assert not theirs.valid
    assert {error.type for error in theirs.tasks[0].errors} | {
        error.type for error in theirs.errors
    } == {SCHEMA_SLIPS[name]}

    con = duckdb.connect()
    ours = validate_table(con, "raw", schema, load_with_duckdb(con, example))
    assert ours.valid
    assert ours.row_count > 0
    if name != "equipements-velo-bretagne":  # an invalid example value is not our business
        assert ours.warnings


def test_misplaced_required_is_applied(shared_data, tmp_path):
    """comptage-mobilites-channel writes "required": true beside constraints: we enforce it."""
    schema = json.loads(
        (shared_data / "schemas" / "comptage-mobilites-channel" / "schema.json").read_text(
            encoding="utf-8"
        )
    )
    required = [
        f["name"]
        for f in schema["fields"]
        if f.get("required") is True and "required" not in f.get("constraints", {})
    ]
    assert required  # the slip is really there
    source = (
        shared_data / "schemas" / "comptage-mobilites-channel" / "exemple-valide.csv"
    ).read_text(encoding="utf-8")
    header, first = list(csv.reader(io.StringIO(source)))[:2]
    first[header.index(required[0])] = ""
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, first])
    con = duckdb.connect()
    ours = validate_table(con, "raw", schema, load_with_duckdb(con, broken))
    assert ours.counts() == {("constraint-error", required[0]): 1}
    assert any(w.field == required[0] and "constraints" in w.message_fr for w in ours.warnings)


def test_french_city_file_against_its_schema(shared_data, tmp_path):
    """Antibes' delivery areas use an intermediate version of the CEREMA schema: same verdict as
    frictionless (invalid), but named columns are matched by name, not by position."""
    path = shared_data / "city" / "antibes-aires-livraison" / "antibes_aires_livraison.csv"
    schema = json.loads(
        (shared_data / "schemas" / "arretes-circulation-marchandises" / "schema.json").read_text(
            encoding="utf-8"
        )
    )
    con = duckdb.connect()
    ours = validate_table(con, "raw", schema, load_with_duckdb(con, path, scratch=tmp_path))
    theirs = frictionless_report(path, schema)
    assert not ours.valid and not theirs.valid
    counts = ours.counts()
    # ARR_DATE is at another position than the schema's: frictionless checks the cells of the
    # column standing at ARR_DATE's place (21 type errors); we check the ARR_DATE column (none).
    assert ("type-error", "ARR_DATE") not in counts
    assert frictionless_counts(theirs)[("type-error", "ARR_DATE")] == 21
    assert counts[("missing-label", "VEH_TYPES")] == 1
    assert counts[("extra-label", "GEOM_XY")] == 1
    assert ours.row_count == 21
