"""Rows by number (lake.engine.rowfile): the Arrow file beside a version's serving file answers a
record by id with exactly the values DuckDB gives, goes with the version's files (placed, cleaned
up, deleted with them), and is left out when a column's values would not come back the same."""

from __future__ import annotations

import os
import time
from decimal import Decimal

import duckdb
import pytest
from django.core.management import call_command

from territoire.catalog import services as catalog_services
from territoire.lake import services
from territoire.lake.engine import rowfile
from territoire.lake.engine import serving as building
from territoire.lake.models import DatasetVersion
from territoire.lake.services import serving as serving_services
from territoire.lake.services.cleanup import lake_cleanup
from territoire.records import selectors, serving

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]


def _ingest(make_dataset, steward, source, title):
    dataset = make_dataset(title)
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=source)
    assert report.status == "created", report.errors
    return dataset, DatasetVersion.objects.get(dataset=dataset)


@pytest.mark.django_db
def test_every_record_by_id_comes_from_the_rows_file_as_duckdb_gives_it(
    home, make_dataset, steward, delibs_csv, data_officer, fresh_serving_store, monkeypatch
):
    dataset, version = _ingest(make_dataset, steward, delibs_csv, "Délibérations")
    parquet = home / "lake" / version.path
    path = building.serving_path(parquet)
    manifest = building.manifest_of(path)
    assert manifest["rows_file"] == {
        "batch": rowfile.BATCH,
        "rows": version.row_count,
    }
    # Every row, in both stores.
    rows = rowfile.open_rows(path, manifest)
    with duckdb.connect(str(path), read_only=True) as con:
        expected = con.execute("SELECT * FROM records ORDER BY rowid").fetchall()
    assert [rows.get(n) for n in range(version.row_count)] == expected
    assert rows.get(version.row_count) is None and rows.get(-1) is None
    rows.close()
    # The API's lookup reads the rows file, and answers as the SQL lookup does.
    served = selectors.served_get(data_officer, dataset.slug)
    ids = [1, 2, version.row_count // 2, version.row_count]
    hits = []
    original_get = rowfile.RowFile.get

    def counted(self, number):
        found = original_get(self, number)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(rowfile.RowFile, "get", counted)
    with_file = [selectors.record_get(served, i) for i in ids]
    assert hits == [True] * len(ids)
    for attached in serving.store()._attached.values():
        attached.rows = None  # as for a version without a rows file: DuckDB fetches the row
    assert [selectors.record_get(served, i) for i in ids] == with_file
    assert len(hits) == len(ids)


@pytest.mark.django_db
def test_the_rows_file_is_placed_cleaned_up_and_deleted_with_its_version(
    home, make_dataset, steward, budget_csv, data_officer, django_capture_on_commit_callbacks
):
    dataset, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    parquet = home / "lake" / version.path
    kept = rowfile.rows_path(parquet)
    assert kept.is_file()
    # A rebuild replaces it; a lost one is rebuilt by the command.
    call_command("serving", "build", "--dataset", dataset.slug, "--rebuild", verbosity=0)
    assert kept.is_file()
    orphan = home / "lake" / dataset.slug / "v9-0123abcd.rows"
    orphan.write_bytes(b"left by a killed run")
    old = time.time() - 7200
    for path in (orphan, kept):
        os.utime(path, (old, old))
    removed = lake_cleanup()
    assert f"lake/{dataset.slug}/v9-0123abcd.rows" in removed and kept.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_delete(actor=data_officer, dataset=dataset)
    assert not kept.exists() and not parquet.exists()


def test_columns_whose_values_would_not_come_back_the_same_get_no_rows_file(tmp_path):
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE exact AS SELECT range + 1 AS _id, 'é' || range AS t, "
        "CAST(range / 7 AS DECIMAL(12, 2)) AS d, DATE '2024-01-01' + CAST(range AS INTEGER) AS day, "
        "TIMESTAMP '2024-01-01 10:00' + INTERVAL (range) MINUTE AS at, range % 2 = 0 AS b, "
        "{'lat': 43.6 + range / 1000, 'lon': 3.8} AS p, [range, range + 1] AS l, "
        "CASE WHEN range % 3 = 0 THEN NULL ELSE range * 1.5 END AS f FROM range(1000)"
    )
    entry = rowfile.write(con, "exact", tmp_path / "exact.rows")
    assert entry == {"batch": rowfile.BATCH, "rows": 1000}
    found = rowfile.RowFile(tmp_path / "exact.rows", entry)
    assert found.get(999) == con.execute("SELECT * FROM exact WHERE rowid = 999").fetchone()
    assert found.get(7)[2] == Decimal("1.00")
    found.close()
    con.execute("SET TimeZone = 'Europe/Paris'")
    for kind, value in (
        ("TIMESTAMPTZ", "TIMESTAMPTZ '2024-01-01 10:00:00+00'"),
        ("HUGEINT", "CAST(range AS HUGEINT)"),
        ("BLOB", "CAST('x' AS BLOB)"),
    ):
        con.execute(f"CREATE TABLE t AS SELECT range + 1 AS _id, {value} AS v FROM range(10)")
        assert rowfile.write(con, "t", tmp_path / "t.rows") is None, kind
        assert not (tmp_path / "t.rows").exists()
        con.execute("DROP TABLE t")


@pytest.mark.django_db
def test_the_worker_completes_the_serving_files_written_before_the_rows_file(
    home, make_dataset, steward, budget_csv, settings, capsys
):
    settings.TERRITOIRE_SERVING_STRUCTURES = list(building.LEGACY_STRUCTURES)
    dataset, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    parquet = home / "lake" / version.path
    assert not rowfile.rows_path(parquet).exists()
    assert "rows_file" not in building.manifest_of(building.serving_path(parquet))
    settings.TERRITOIRE_SERVING_STRUCTURES = ["sorted", "geo", "words", "values", "rows"]
    assert [v.pk for v in serving_services.versions_outdated()] == [version.pk]
    call_command("serving", "status")
    assert "1 fichier(s) de lecture à compléter" in capsys.readouterr().out
    assert serving_services.serving_build_missing() == 1
    manifest = building.manifest_of(building.serving_path(parquet))
    assert manifest["rows_file"]["rows"] == version.row_count and "values" in manifest
    assert rowfile.rows_path(parquet).is_file()
    assert list(serving_services.versions_outdated()) == []  # done: not rebuilt every hour
    assert serving_services.serving_build_missing() == 0
