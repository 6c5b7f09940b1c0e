"""Anonymised derived versions with lineage (lake.services.anonymise) and the publication rule
for derived datasets, on the CCAS's file of beneficiaries (invented people, a CCAS export's
shape: BOM, `;`, dd/mm/yyyy dates, decimal commas)."""

from __future__ import annotations

import duckdb
import pytest

from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.demo.anonymisation import FILE, PLAN, QUASI_IDENTIFIERS, SENSITIVE
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion
from territoire.lake.selectors import dataset_current_version
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]


def spec(plan=PLAN, **options):
    values = {"quasi_identifiers": QUASI_IDENTIFIERS, "k": 11, "l": 2, "sensitive": SENSITIVE}
    return lake_services.AnonymisationSpec.build(plan=plan, **(values | options))


@pytest.fixture
def personal(make_dataset, data_officer, home):
    dataset = make_dataset("Bénéficiaires des aides", slug="beneficiaires", access_level="personal")
    report = lake_services.dataset_ingest(
        actor=data_officer, dataset=dataset, source=FILE, original_name=FILE.name
    )
    assert report.status == "created" and report.personal_data
    return dataset


def rows(version: DatasetVersion, sql: str) -> list[tuple]:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE v AS SELECT * FROM read_parquet(?)", [str(version.absolute_path)])
        return con.execute(sql).fetchall()


def test_derived_dataset_with_lineage(personal, data_officer):
    source_version = dataset_current_version(personal)
    result = lake_services.dataset_anonymise(actor=data_officer, dataset=personal, spec=spec())
    derived, version = result.dataset, result.version
    assert result.created and derived.slug == "beneficiaires-anonymise"
    assert derived.access_level == "internal" and not derived.is_published
    assert derived.publisher_service_id == personal.publisher_service_id
    lineage = version.lineage
    assert lineage["source"] == {
        "dataset_id": personal.pk,
        "dataset": "beneficiaires",
        "title": personal.title,
        "version_id": source_version.pk,
        "version": source_version.number,
        "parquet_checksum": source_version.parquet_checksum,
        "rows": 1500,
    }
    assert lineage["plan"] == PLAN and lineage["by"]["username"] == data_officer.username
    assert lineage["plan_fr"][0].startswith("supprimer des colonnes")
    check = lineage["check"]
    assert check["may_open"] and check["k"] == 25 and check["l"] == 6
    assert check["parquet_checksum"] == version.parquet_checksum
    # what the version holds: no name, phone or address; pseudonyms, bands, months
    ids = [c["id"] for c in version.columns]
    assert {"nom", "prenom", "telephone", "adresse", "date_de_naissance"}.isdisjoint(ids)
    assert {c["label"] for c in version.columns} >= {"N° dossier", "Âge", "Commune"}
    assert version.personal_data == []
    (dossier, age, month), *_ = rows(
        version, "SELECT n_dossier, age, date_de_la_demande FROM v ORDER BY n_dossier"
    )
    assert len(dossier) == 32 and not dossier.startswith("CCAS")
    assert age in {"18-34", "35-54", "55-69", "70+"} and len(month) == 7
    assert rows(version, "SELECT count(*) FROM v") == [(1500,)]
    # audited: the version's creation with its lineage, the read of the personal source
    created = AuditEvent.objects.get(object_type="lake.datasetversion", object_id=str(version.pk))
    assert created.changes["lineage"][1]["may_open"] is True
    assert AuditEvent.objects.filter(
        object_type="catalog.dataset", object_id=str(personal.pk), action="read"
    ).exists()


def test_second_run_adds_to_the_same_derived_dataset(personal, data_officer):
    first = lake_services.dataset_anonymise(actor=data_officer, dataset=personal, spec=spec())
    plan = [*PLAN[:-1], {"op": "top_code", "column": "montant_accorde", "at": 500}]
    second = lake_services.dataset_anonymise(actor=data_officer, dataset=personal, spec=spec(plan))
    assert second.dataset.pk == first.dataset.pk and not second.created
    assert second.version.number == first.version.number + 1
    # the same plan on the same source again: the same content, no new version
    again = lake_services.dataset_anonymise(actor=data_officer, dataset=personal, spec=spec(plan))
    assert again.unchanged and again.version.pk == second.version.pk
    assert second.version.lineage["plan"][-1] == {
        "op": "top_code",
        "column": "montant_accorde",
        "at": 500,
    }


@pytest.mark.parametrize(
    ("plan", "options", "where"),
    [
        # the result may not be opened: each commune of the metropole is its own class
        ([PLAN[0], PLAN[2]], {}, "quasi_identifiers"),
        # a refused plan: a column that does not exist
        ([{"op": "drop", "columns": ["numero_secu"]}], {}, "steps[0].columns"),
        # a check that cannot protect anyone
        (PLAN, {"k": 1}, "k"),
    ],
)
def test_refusals_leave_nothing(
    personal,
    data_officer,
    lake_files,
    audit_count,
    plan,
    options,
    where,
):
    before_files, before_events = lake_files(), audit_count()
    with pytest.raises(ValidationFailed) as refused:
        lake_services.dataset_anonymise(
            actor=data_officer, dataset=personal, spec=spec(plan, **options)
        )
    assert where in (refused.value.where or "")
    assert not Dataset.objects.filter(slug="beneficiaires-anonymise").exists()
    assert DatasetVersion.objects.filter(dataset__slug="beneficiaires-anonymise").count() == 0
    assert lake_files() == before_files and audit_count() == before_events


def test_failed_check_says_why(personal, data_officer):
    with pytest.raises(ValidationFailed) as refused:
        lake_services.dataset_anonymise(
            actor=data_officer, dataset=personal, spec=spec([PLAN[0], PLAN[2]])
        )
    assert "k = 1" in refused.value.message_fr and "may not be opened" in refused.value.message_en


def test_who_may_anonymise(personal, steward, agent, citizen, lake_files):
    for actor in (None, citizen, agent):
        with pytest.raises(PermissionRefused):
            lake_services.dataset_anonymise(actor=actor, dataset=personal, spec=spec())
    assert not Dataset.objects.filter(slug="beneficiaires-anonymise").exists()
    # the producing service's steward may
    result = lake_services.dataset_anonymise(actor=steward, dataset=personal, spec=spec())
    assert result.version.lineage["by"]["username"] == steward.username


def test_only_personal_data_is_anonymised(make_dataset, data_officer, home, budget_csv):
    dataset = make_dataset("Budget", access_level="internal")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=budget_csv)
    with pytest.raises(ValidationFailed, match="rien à anonymiser"):
        lake_services.dataset_anonymise(
            actor=data_officer, dataset=dataset, spec=spec([{"op": "drop", "columns": ["lib"]}])
        )


def test_pseudonymisation_needs_the_servers_key(personal, data_officer, settings):
    settings.TERRITOIRE_PSEUDONYM_KEY = None
    with pytest.raises(ValidationFailed, match="clé du serveur"):
        lake_services.dataset_anonymise(actor=data_officer, dataset=personal, spec=spec())
    assert not Dataset.objects.filter(slug="beneficiaires-anonymise").exists()


def test_preview_writes_nothing_but_the_read(personal, data_officer, lake_files):
    before = lake_files()
    preview = lake_services.anonymisation_preview(
        actor=data_officer, dataset=personal, spec=spec([PLAN[0], PLAN[2]])
    )
    assert not preview.check.may_open and preview.check.k == 1
    assert preview.check.smallest[0]["size"] == 1
    assert "nom" not in preview.columns and len(preview.rows) == 5
    assert lake_files() == before
    assert not Dataset.objects.filter(slug="beneficiaires-anonymise").exists()
    event = AuditEvent.objects.filter(action="read", object_id=str(personal.pk)).first()
    assert event.changes["may_open"] is False


# ---------------------------------------------------------------- the publication rule


def _opened(dataset, officer):
    catalog_services.dataset_update(actor=officer, dataset=dataset, access_level="public")
    return dataset


def test_passing_lineage_publishes_without_decision(personal, data_officer):
    derived = lake_services.dataset_anonymise(
        actor=data_officer, dataset=personal, spec=spec()
    ).dataset
    catalog_services.dataset_publish(actor=data_officer, dataset=_opened(derived, data_officer))
    derived.refresh_from_db()
    assert derived.is_published and not derived.personal_data_decisions.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda lineage: lineage["check"].update(may_open=False),
        lambda lineage: lineage["check"].update(parquet_checksum="0" * 64),
        lambda lineage: lineage["source"].update(parquet_checksum="f" * 64),
    ],
    ids=["failed-check", "other-file-checked", "source-version-not-the-one-checked"],
)
def test_failing_lineage_needs_the_decision(personal, data_officer, tamper):
    result = lake_services.dataset_anonymise(actor=data_officer, dataset=personal, spec=spec())
    lineage = result.version.lineage
    tamper(lineage)
    DatasetVersion.objects.filter(pk=result.version.pk).update(lineage=lineage)
    derived = _opened(result.dataset, data_officer)
    with pytest.raises(ValidationFailed, match="décision de l'administrateur"):
        catalog_services.dataset_publish(actor=data_officer, dataset=derived)
    assert not Dataset.objects.get(pk=derived.pk).is_published
    catalog_services.personal_data_decision_record(
        actor=data_officer, dataset=derived, decision="publish_as_is", reason="Vérifié à la main."
    )
    catalog_services.dataset_publish(actor=data_officer, dataset=derived)
    assert Dataset.objects.get(pk=derived.pk).is_published


def test_a_plain_upload_to_a_derived_dataset_needs_the_decision(personal, data_officer, tmp_path):
    derived = lake_services.dataset_anonymise(
        actor=data_officer, dataset=personal, spec=spec()
    ).dataset
    plain = tmp_path / "sans-lignee.csv"
    plain.write_text("Âge;Sexe\n18-34;F\n", encoding="utf-8")
    report = lake_services.dataset_ingest(actor=data_officer, dataset=derived, source=plain)
    assert report.status == "created" and report.personal_data == []
    with pytest.raises(ValidationFailed, match="anonymisation enregistrée"):
        catalog_services.dataset_publish(actor=data_officer, dataset=_opened(derived, data_officer))


def test_a_published_derived_dataset_refuses_an_unchecked_version(personal, data_officer, tmp_path):
    derived = lake_services.dataset_anonymise(
        actor=data_officer, dataset=personal, spec=spec()
    ).dataset
    catalog_services.dataset_publish(actor=data_officer, dataset=_opened(derived, data_officer))
    served = dataset_current_version(derived)
    plain = tmp_path / "sans-lignee.csv"
    plain.write_text("Âge;Sexe\n18-34;F\n", encoding="utf-8")
    report = lake_services.dataset_ingest(actor=data_officer, dataset=derived, source=plain)
    assert report.status == "failed"
    assert dataset_current_version(derived).pk == served.pk
    # a checked re-run is accepted while published
    again = lake_services.dataset_anonymise(
        actor=data_officer,
        dataset=personal,
        spec=spec([*PLAN[:-1], {"op": "top_code", "column": "montant_accorde", "at": 450}]),
    )
    assert dataset_current_version(derived).pk == again.version.pk


def test_coordinates_to_the_platforms_communes(
    make_dataset, data_officer, home, defib_csv, montpellier
):
    """The plan names « communes »: the territories loaded (the 31 of the metropole, with their
    contours) are the boundaries; Montpellier's defibrillators fall in Montpellier (34172)."""
    dataset = make_dataset("Défibrillateurs (registre interne)", access_level="personal")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=defib_csv)
    plan = [
        {"op": "drop", "columns": ["nom", "adresse", "tel"]},
        {
            "op": "coordinates_to_area",
            "latitude": "coord_y",
            "longitude": "coord_x",
            "boundaries": "communes",
            "output": "commune_insee",
        },
    ]
    preview = lake_services.anonymisation_preview(
        actor=data_officer,
        dataset=dataset,
        spec=lake_services.AnonymisationSpec.build(
            plan=plan, quasi_identifiers=["commune_insee"], k=2
        ),
    )
    assert set(preview.columns) == {"id", "commune_insee"}
    assert preview.rows[0]["commune_insee"] == "34172"
    largest = max(preview.check.smallest, key=lambda group: group["size"])
    assert preview.check.classes <= 5 and largest["values"] == {"commune_insee": "34172"}


def test_the_command_line_goes_through_the_service(personal, data_officer, tmp_path):
    import json

    from django.core.management import CommandError, call_command

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN[:1]), encoding="utf-8")
    with pytest.raises(CommandError, match="may not be opened"):
        call_command("anonymise", personal.slug, str(plan), "--quasi-identifiers", "age,commune")
    assert not Dataset.objects.filter(slug="beneficiaires-anonymise").exists()
    plan.write_text(json.dumps(PLAN), encoding="utf-8")
    options = ["--quasi-identifiers", "age,sexe,commune", "--sensitive", "aide"]
    call_command("anonymise", personal.slug, str(plan), *options, "--as", data_officer.username)
    version = DatasetVersion.objects.get(dataset__slug="beneficiaires-anonymise")
    assert version.lineage["by"]["username"] == data_officer.username
