"""The ingestion service on real French files: versions, unchanged content, failures that lose
nothing, type overrides, schema conformity, the personal-data gate, URL sources."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import PermissionRefused, SourceFileError, ValidationFailed
from territoire.lake import selectors, services
from territoire.lake.models import DatasetLake, DatasetVersion
from territoire.lake.sources import fetch_url
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


def types_of(report_or_version) -> dict[str, str]:
    columns = report_or_version.columns
    return {c["id"]: c["type"] for c in columns}


def test_first_ingestion_writes_version_1_with_the_right_types(
    home, make_dataset, steward, budget_csv
):
    dataset = make_dataset("Budget primitif 2014")
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert report.status == "created", report.errors
    assert report.version == 1 and report.previous_version is None
    assert report.rows == 1448
    types = types_of(report)
    assert types["exercice"] == "integer"
    assert types["bp"] == "decimal"
    assert types["libelle_fonction"] == "text"
    assert report.source["encoding"].lower() in {
        "cp1252",
        "windows-1252",
        "latin-1",
        "iso-8859-1",
        "latin1",
    }
    assert report.source["delimiter"] == ";"

    version = DatasetVersion.objects.get(dataset=dataset)
    assert version.number == 1 and version.row_count == 1448 and version.created_by == steward
    assert DatasetLake.objects.get(dataset=dataset).current_version == version
    path = home / "lake" / version.path
    assert path.parent == home / "lake" / dataset.slug
    assert path.name == f"v1-{version.parquet_checksum[:8]}.parquet"
    assert services.file_sha256(path) == version.parquet_checksum
    assert version.byte_size == path.stat().st_size
    assert (home / "lake" / version.source_path).read_bytes() == budget_csv.read_bytes()
    # the staging area is gone
    assert not (home / "lake" / ".staging").exists()

    con = duckdb.connect()
    first = (
        con.execute(
            f"SELECT exercice, bp, nature FROM read_parquet('{path}') ORDER BY __line__ LIMIT 1"
        ).fetchone()
        if "__line__" in types
        else con.execute(
            f"SELECT exercice, bp, nature FROM read_parquet('{path}') LIMIT 1"
        ).fetchone()
    )
    assert first[0] == 2014
    assert float(first[1]) == 1063850.00
    event = AuditEvent.objects.filter(
        object_type="catalog.dataset", object_id=str(dataset.pk), action="update"
    ).latest("id")
    assert event.actor == steward
    assert event.changes["current_version"] == [None, 1]


def test_same_bytes_again_is_unchanged_and_writes_nothing(
    home, make_dataset, steward, budget_csv, tmp_path, lake_files, audit_count
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    before_files, before_events = lake_files(), audit_count()
    copy = tmp_path / "autre-nom.csv"
    shutil.copyfile(budget_csv, copy)
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=copy)
    assert report.status == "unchanged"
    assert report.version == 1 and report.rows == 1448
    assert "aucune nouvelle version" in report.message_fr
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
    assert lake_files() == before_files
    assert audit_count() == before_events


def _changed_budget(budget_csv, tmp_path):
    """The same file with one line removed, one amount changed and one line added."""
    raw = budget_csv.read_bytes().decode("cp1252").splitlines(keepends=True)
    header, rows = raw[0], raw[1:]
    removed = rows.pop(3)
    rows[0] = rows[0].replace("1 063 850,00", "2 000 000,00")
    rows.append("2014;F;D;999;99; 12,50    ;LIGNE AJOUTEE\r\n")
    path = tmp_path / "budget-v2.csv"
    path.write_bytes((header + "".join(rows)).encode("cp1252"))
    return path, removed


def test_changed_file_creates_version_2_and_versions_compare(
    home, make_dataset, steward, budget_csv, tmp_path
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    changed, _ = _changed_budget(budget_csv, tmp_path)
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=changed)
    assert report.status == "created" and report.version == 2 and report.previous_version == 1
    assert report.rows == 1448
    v1, v2 = (
        DatasetVersion.objects.get(dataset=dataset, number=1),
        DatasetVersion.objects.get(dataset=dataset, number=2),
    )
    assert selectors.dataset_current_version(dataset) == v2
    assert (home / "lake" / v1.path).is_file(), "the old version is never removed or overwritten"
    assert v1.path != v2.path

    diff = selectors.version_compare(dataset, 1, 2)
    assert diff["from"] == 1 and diff["to"] == 2 and diff["key"] is None
    assert diff["rows"] == {"old": 1448, "new": 1448, "delta": 0}
    assert diff["schema_changed"] is False


def test_versions_compare_by_key_column(home, make_dataset, steward, city, tmp_path):
    """Rennes' bike stations: a station removed, one changed, one added, a column added."""
    source = city / "rennes-velo-star-stations" / "etat-des-stations-le-velo-star-en-temps-reel.csv"
    dataset = make_dataset("Stations Vélo STAR")
    services.dataset_ingest(actor=steward, dataset=dataset, source=source)
    lines = source.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    assert rows[0].startswith("1,République,") and rows[2].startswith("3,Champ Jacquet,")
    first = rows[0].split(",")
    first[7] = "7"  # velos_disponibles of station 1: 5 -> 7
    rows = [
        ",".join(first),
        rows[1],
        *rows[3:],
        "999,Nouvelle station,48.1, -1.67,En fonctionnement,20,10,10,2018-04-25T10:47:04+02:00",
    ]
    changed = tmp_path / "stations.csv"
    changed.write_text(
        "\n".join([header + ",commentaire", *[r + "," for r in rows]]) + "\n", encoding="utf-8"
    )
    assert services.dataset_ingest(actor=steward, dataset=dataset, source=changed).version == 2

    with pytest.raises(ValidationFailed):
        services.dataset_lake_update(actor=steward, dataset=dataset, key_column="inconnue")
    services.dataset_lake_update(actor=steward, dataset=dataset, key_column="id")
    diff = selectors.version_compare(dataset, 1, 2)
    assert diff["key"] == "id"
    assert [c["id"] for c in diff["schema"]["added"]] == ["commentaire"]
    assert diff["rows"] == {"old": 83, "new": 83, "delta": 0}
    assert diff["added"]["count"] == 1 and diff["added"]["examples"][0]["id"] == "999"
    assert diff["removed"]["count"] == 1 and diff["removed"]["examples"][0]["id"] == "3"
    assert diff["changed"]["count"] == 1
    assert diff["changed"]["examples"][0] == {
        "key": "1",
        "changes": {"velos_disponibles": {"old": "5", "new": "7"}},
    }


def test_failed_file_keeps_the_previous_version_and_leaves_no_file(
    home, make_dataset, steward, budget_csv, tmp_path, lake_files, audit_count
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    before_files, before_events = lake_files(), audit_count()
    for name, content in [
        ("vide.csv", b""),
        ("binaire.csv", bytes(range(256)) * 64),
        ("tronque.zip", b"PK\x03\x04\x14\x00\x00"),
    ]:
        bad = tmp_path / name
        bad.write_bytes(content)
        report = services.dataset_ingest(actor=steward, dataset=dataset, source=bad)
        assert report.status == "failed", name
        assert report.errors and report.errors[0]["message_fr"] and report.errors[0]["file"] == name
        assert selectors.dataset_current_version(dataset).number == 1
        assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
        assert lake_files() == before_files
        assert audit_count() == before_events


def test_unknown_schema_fails_before_anything_is_written(
    home, make_dataset, steward, budget_csv, lake_files
):
    dataset = make_dataset()
    report = services.dataset_ingest(
        actor=steward, dataset=dataset, source=budget_csv, schema_ref="schema-qui-n-existe-pas"
    )
    assert report.status == "failed"
    assert report.errors[0]["code"] == "not_found"
    assert "schema-qui-n-existe-pas" in report.errors[0]["message_fr"]
    assert not DatasetVersion.objects.exists()
    assert lake_files() == set()


def test_failure_after_the_rename_removes_the_new_files(
    home, make_dataset, steward, budget_csv, tmp_path, lake_files, audit_count
):
    """The Parquet file is in place when the source copy cannot be placed: both go, v1 stays."""
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    changed, _ = _changed_budget(budget_csv, tmp_path)
    checksum = services.file_sha256(changed)
    blocker = home / "lake" / dataset.slug / "sources" / f"v2-{checksum[:8]}.csv"
    blocker.mkdir()
    (blocker / "occupé").write_text("un répertoire occupe la place de la copie de la source")
    before_files, before_events = lake_files(), audit_count()

    report = services.dataset_ingest(actor=steward, dataset=dataset, source=changed)
    assert report.status == "failed"
    assert report.errors[0]["code"] == "io_error"
    assert selectors.dataset_current_version(dataset).number == 1
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
    assert lake_files() == before_files
    assert not list((home / "lake" / dataset.slug).glob("v2-*.parquet"))
    assert audit_count() == before_events


def test_concurrent_ingestion_during_the_swap_loses_nothing(
    home, make_dataset, steward, budget_csv, tmp_path
):
    """Ingestions of a dataset wait for each other (test_crash_and_concurrency); should a writer
    that does not share the lock (here: one run from this one's own thread, where the lock is
    re-entrant) commit version 2 while this one places its files, this one still fails cleanly
    and the other one's version is served."""
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    changed, _ = _changed_budget(budget_csv, tmp_path)
    other = tmp_path / "autre.csv"
    other.write_bytes(budget_csv.read_bytes().replace(b"2014;", b"2015;"))

    def competitor(percent, stage):
        if stage == "Enregistrement de la version":
            result = services.dataset_ingest(actor=steward, dataset=dataset, source=other)
            assert result.status == "created" and result.version == 2

    report = services.dataset_ingest(
        actor=steward, dataset=dataset, source=changed, progress=competitor
    )
    assert report.status == "failed"
    assert "Une autre ingestion" in report.errors[0]["message_fr"]
    current = selectors.dataset_current_version(dataset)
    assert current.number == 2 and current.source_checksum == services.file_sha256(other)
    parquet = sorted(p.name for p in (home / "lake" / dataset.slug).glob("*.parquet"))
    assert parquet == sorted(
        v.path.split("/")[-1] for v in DatasetVersion.objects.filter(dataset=dataset)
    )


def test_type_override_applies_now_and_to_the_next_versions(
    home, make_dataset, steward, budget_csv, tmp_path
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    with pytest.raises(ValidationFailed) as refused:
        services.dataset_set_type_overrides(
            actor=steward, dataset=dataset, overrides={"exercice": "nombre"}
        )
    assert "nombre" in refused.value.message_fr
    with pytest.raises(ValidationFailed):
        services.dataset_set_type_overrides(
            actor=steward, dataset=dataset, overrides={"inconnue": "text"}
        )
    assert DatasetLake.objects.get(dataset=dataset).type_overrides == {}

    services.dataset_set_type_overrides(
        actor=steward, dataset=dataset, overrides={"exercice": "text"}
    )
    report = services.dataset_reingest(actor=steward, dataset=dataset)
    assert report.status == "created" and report.version == 2
    column = next(c for c in report.columns if c["id"] == "exercice")
    assert column["type"] == "text" and column["overridden"] is True

    changed, _ = _changed_budget(budget_csv, tmp_path)
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=changed)
    assert report.version == 3
    assert types_of(report)["exercice"] == "text"
    assert types_of(report)["bp"] == "decimal"
    # reloading again with the same settings changes nothing
    assert services.dataset_reingest(actor=steward, dataset=dataset).status == "unchanged"


def test_reingest_without_a_version_says_what_to_do(home, make_dataset, steward):
    dataset = make_dataset()
    with pytest.raises(ValidationFailed) as refused:
        services.dataset_reingest(actor=steward, dataset=dataset)
    assert "déposez un fichier" in refused.value.message_fr


@pytest.mark.parametrize("who", ["anonymous", "citizen", "reuser", "agent"])
def test_only_stewards_and_data_officers_ingest(
    home, make_dataset, roles, budget_csv, who, lake_files, audit_count
):
    dataset = make_dataset()
    before = audit_count()
    actor = roles[who]
    if actor is None:
        from django.contrib.auth.models import AnonymousUser

        actor = AnonymousUser()
    with pytest.raises(PermissionRefused):
        services.dataset_ingest(actor=actor, dataset=dataset, source=budget_csv)
    with pytest.raises(PermissionRefused):
        services.dataset_set_type_overrides(actor=actor, dataset=dataset, overrides={})
    assert not DatasetVersion.objects.exists()
    assert lake_files() == set()
    assert audit_count() == before


def test_steward_of_another_service_cannot_ingest(
    home, make_dataset, steward, other_service, budget_csv, lake_files
):
    dataset = make_dataset(publisher_service=other_service)
    with pytest.raises(PermissionRefused):
        services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert lake_files() == set()


def test_schema_conformity_is_stored_on_the_version(home, make_dataset, data_officer, shared_data):
    folder = shared_data / "schemas" / "comptage-mobilites-channel"
    dataset = make_dataset("Comptages")
    valid = services.dataset_ingest(
        actor=data_officer,
        dataset=dataset,
        source=folder / "exemple-valide.csv",
        schema_ref="comptage-mobilites-channel",
    )
    assert valid.status == "created", valid.errors
    assert valid.conformity == "valid" and valid.validation["valid"] is True
    invalid = services.dataset_ingest(
        actor=data_officer, dataset=dataset, source=folder / "exemple-invalide.csv"
    )
    assert invalid.status == "created"
    assert invalid.schema == "comptage-mobilites-channel", (
        "the declared schema is kept for the next versions"
    )
    assert invalid.conformity == "invalid" and invalid.validation["error_count"] > 0
    version = DatasetVersion.objects.get(dataset=dataset, number=2)
    assert version.conformity == "invalid" and version.schema_ref == "comptage-mobilites-channel"
    assert version.validation["error_count"] == invalid.validation["error_count"]


def test_personal_data_gate_blocks_publication_until_a_decision(
    home, make_dataset, steward, data_officer, defib_csv
):
    dataset = make_dataset("Défibrillateurs")
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=defib_csv, publish=True)
    assert report.status == "created"
    flagged = {f["column"] for f in report.personal_data}
    assert "tel" in flagged
    assert report.published is False
    assert report.errors[-1]["code"] == "publication_refused"
    assert not report.succeeded
    dataset.refresh_from_db()
    assert not dataset.is_published
    assert selectors.dataset_personal_flags(dataset) == report.personal_data

    with pytest.raises(ValidationFailed) as refused:
        catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    assert "Tel" in refused.value.message_fr or "tel" in refused.value.message_fr
    assert "administrateur des données" in refused.value.message_fr
    dataset.refresh_from_db()
    assert not dataset.is_published
    assert not AuditEvent.objects.filter(
        object_type="catalog.dataset",
        object_id=str(dataset.pk),
        changes__is_published=[False, True],
    ).exists()

    catalog_services.personal_data_decision_record(
        actor=data_officer,
        dataset=dataset,
        decision="keep_private",
        reason="En attente d'avis du DPO.",
        flags=report.personal_data,
    )
    with pytest.raises(ValidationFailed):
        catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    catalog_services.personal_data_decision_record(
        actor=data_officer,
        dataset=dataset,
        decision="publish_as_is",
        reason="Numéros de standard d'établissements recevant du public, pas de personnes.",
        flags=report.personal_data,
    )
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    dataset.refresh_from_db()
    assert dataset.is_published


def test_published_dataset_does_not_start_serving_personal_data(
    home, make_dataset, steward, budget_csv, defib_csv, lake_files
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv, publish=True)
    dataset.refresh_from_db()
    assert dataset.is_published
    before_files = lake_files()
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=defib_csv)
    assert report.status == "failed"
    assert report.errors[0]["column"] == "personal_data"
    assert selectors.dataset_current_version(dataset).number == 1
    assert lake_files() == before_files


def test_the_swap_asks_the_personal_data_rule_on_the_stored_dataset(
    home, make_dataset, steward, data_officer, budget_csv, defib_csv, lake_files
):
    """An ingestion that read the dataset before it was published (a stale object) still cannot
    swap in a flagged version: the rule is asked again on the locked row, in the swap."""
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    stale = Dataset.objects.get(pk=dataset.pk)
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    assert not stale.is_published and Dataset.objects.get(pk=dataset.pk).is_published
    before = lake_files()
    report = services.dataset_ingest(actor=steward, dataset=stale, source=defib_csv)
    assert report.status == "failed" and report.errors[0]["column"] == "personal_data"
    assert selectors.dataset_current_version(dataset).number == 1
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
    assert lake_files() == before


def test_ingest_by_slug_creates_the_dataset_from_a_url(
    home, organization, data_officer, http_dir, budget_csv
):
    directory, base = http_dir
    shutil.copyfile(budget_csv, directory / "budget.csv")
    report = services.dataset_ingest_by_slug(
        actor=data_officer, slug="budget-url", source=f"{base}/budget.csv", title="Budget"
    )
    assert report.status == "created" and report.rows == 1448
    version = DatasetVersion.objects.get(dataset__slug="budget-url")
    assert version.source_name == "budget.csv"
    assert version.dataset.publisher == organization and version.dataset.title == "Budget"
    assert version.dataset.access_level == "internal"
    assert DatasetLake.objects.get(dataset=version.dataset).source_url == f"{base}/budget.csv"
    assert not (home / "lake" / ".staging").exists()

    (directory / "vide.csv").write_bytes(b"")
    failed = services.dataset_ingest_by_slug(
        actor=data_officer, slug="vide", source=f"{base}/vide.csv"
    )
    assert failed.status == "failed"
    assert not Dataset.objects.filter(slug="vide").exists(), (
        "a dataset created for nothing is removed"
    )
    with pytest.raises(SourceFileError):
        services.dataset_ingest_by_slug(
            actor=data_officer, slug="absent", source=f"{base}/absent.csv"
        )
    assert not Dataset.objects.filter(slug="absent").exists()


def test_ingest_by_slug_without_organisation_says_what_to_do(
    home, data_officer, budget_csv, lake_files
):
    with pytest.raises(ValidationFailed) as refused:
        services.dataset_ingest_by_slug(actor=data_officer, slug="budget", source=str(budget_csv))
    assert "Aucune organisation" in refused.value.message_fr
    assert lake_files() == set()


def test_fetch_url_errors_are_clear_and_leave_nothing(home, http_dir, tmp_path):
    directory, base = http_dir
    (directory / "gros.csv").write_bytes(b"a;b\n" + b"1;2\n" * 5000)
    dest = tmp_path / "dest"
    fetched = fetch_url(f"{base}/gros.csv", dest_dir=dest)
    assert fetched.name == "gros.csv" and fetched.byte_size == 4 + 4 * 5000
    fetched.path.unlink()

    with pytest.raises(SourceFileError) as missing:
        fetch_url(f"{base}/absent.csv", dest_dir=dest)
    assert "404" in missing.value.message_fr
    with pytest.raises(SourceFileError) as too_big:
        fetch_url(f"{base}/gros.csv", dest_dir=dest, max_bytes=1000)
    assert "taille maximale" in too_big.value.message_fr
    with pytest.raises(ValidationFailed):
        fetch_url("ftp://127.0.0.1/fichier.csv", dest_dir=dest)
    with pytest.raises(ValidationFailed):
        fetch_url("file:///etc/passwd", dest_dir=dest)
    assert list(dest.iterdir()) == []


def test_fetch_url_timeout_is_reported(tmp_path):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        with pytest.raises(SourceFileError) as timeout:
            fetch_url(
                f"http://127.0.0.1:{listener.getsockname()[1]}/lent.csv",
                dest_dir=tmp_path,
                timeout=0.2,
                allowed_hosts=["127.0.0.1"],
            )
    finally:
        listener.close()
    assert "ne répond pas" in timeout.value.message_fr
    assert list(tmp_path.iterdir()) == []


def test_demo_ships_its_real_files_ingested_and_published(home, lake_files):
    from territoire.demo.services import demo_build
    from territoire.trust.models import PersonalDataDecision

    demo_build(password="un mot de passe de démo solide")
    # The files shipped (not the indicators' series, nor the consultation results the
    # participation demo publishes, nor the meters' readings the water delegate pushes under
    # its agreement: demo/access.py, nor the open dataset of reports: demo/reports.py, nor the
    # CCAS's invented beneficiaries and their anonymised version: demo/anonymisation.py).
    sources = (
        DatasetVersion.objects.filter(dataset__indicator__isnull=True)
        .exclude(dataset__slug__startswith="consultation-")
        .exclude(dataset__slug="compteurs-eau-sectorisation")
        .exclude(dataset__slug="signalements")
        .exclude(dataset__slug__startswith="beneficiaires-aides-sociales")
    )
    versions = {v.dataset.slug: v for v in sources.select_related("dataset")}
    assert set(versions) == {
        "budget-primitif-2014",
        "deliberations-conseil-municipal",
        "defibrillateurs",
        "populations-communes",  # the COG populations the product ships (demo/indicators.py)
    }
    assert versions["budget-primitif-2014"].row_count == 1448
    assert {c["id"]: c["type"] for c in versions["deliberations-conseil-municipal"].columns}[
        "date_cm"
    ] == "date"
    assert all(v.dataset.is_published for v in versions.values())
    decided = set(PersonalDataDecision.objects.values_list("dataset__slug", flat=True))
    assert decided == {slug for slug, v in versions.items() if v.personal_data}
    from territoire.registers.models import Algorithm, ProcessingActivity
    from territoire.trust.models import AuditEvent

    [processing] = ProcessingActivity.objects.all()
    assert processing.dpia_required and processing.is_published
    [algorithm] = Algorithm.objects.all()
    assert list(algorithm.processing_activities.all()) == [processing]
    # the anonymised derived dataset: open, published through the rule, without a decision
    [derived] = DatasetVersion.objects.filter(
        dataset__slug="beneficiaires-aides-sociales-anonymise"
    )
    assert derived.dataset.is_published and derived.dataset.access_level == "public"
    assert derived.lineage["check"]["may_open"] and derived.personal_data == []
    assert derived.lineage["source"]["dataset"] == "beneficiaires-aides-sociales"
    assert not derived.dataset.personal_data_decisions.exists()
    register_events = AuditEvent.objects.filter(object_type__startswith="registers.").count()
    before = lake_files()
    demo_build(password="un mot de passe de démo solide")
    assert sources.count() == 4, "building the demo again changes nothing"
    assert DatasetVersion.objects.filter(dataset__slug__startswith="beneficiaires-").count() == 2
    series = DatasetVersion.objects.filter(dataset__indicator__isnull=False)
    assert series.count() == 7
    unpublished = [v.dataset for v in series if not v.dataset.is_published]
    # every series is published but the water meters' (internal, issue 12)
    assert [(d.indicator.slug, d.access_level) for d in unpublished] == [
        ("volume-eau-distribue-par-jour", "internal")
    ]
    assert lake_files() == before
    assert AuditEvent.objects.filter(object_type__startswith="registers.").count() == (
        register_events
    )


def test_the_source_is_hashed_once_and_its_checksum_always_reported(
    home, make_dataset, steward, budget_csv, tmp_path, monkeypatch
):
    from territoire.lake import engine

    calls = []
    original = engine.source_checksum
    monkeypatch.setattr(
        engine, "source_checksum", lambda path: calls.append(path) or original(path)
    )
    dataset = make_dataset()
    first = services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert first.status == "created" and calls == []  # nothing to compare with: staging hashes
    assert first.source_checksum == services.file_sha256(budget_csv)
    assert selectors.dataset_current_version(dataset).source_checksum == first.source_checksum
    again = services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert again.status == "unchanged" and len(calls) == 1  # hashed first, to skip the work
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    failed = services.dataset_ingest(actor=steward, dataset=make_dataset("Autre"), source=empty)
    assert failed.status == "failed" and failed.source_checksum == services.file_sha256(empty)
