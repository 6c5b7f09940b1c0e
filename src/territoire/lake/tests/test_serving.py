"""Serving files (lake.engine.serving, lake.services.serving, records.serving): built once at
ingestion beside the Parquet version, read by every web process without warm-up; versions without
one are read from Parquet and get theirs from the worker or the command, never from a request."""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from territoire.catalog import services as catalog_services
from territoire.core.search import WORD_SPLIT, normalized_sql
from territoire.lake import services
from territoire.lake.engine import serving as building
from territoire.lake.models import DatasetVersion
from territoire.lake.services import serving as serving_services
from territoire.lake.services.cleanup import lake_cleanup
from territoire.records import selectors, serving
from territoire.records.odsql import RecordQuery
from territoire.records.selectors import sources
from territoire.settings.env import ConfigurationError, env_subset

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


def _ingest(make_dataset, steward, source, title):
    dataset = make_dataset(title)
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=source)
    assert report.status == "created", report.errors
    return dataset, report, DatasetVersion.objects.get(dataset=dataset)


def _files(home, version):
    parquet = home / "lake" / version.path
    return parquet, building.serving_path(parquet)


def _page(dataset, query: RecordQuery, actor) -> dict:
    page = selectors.record_page(selectors.served_get(actor, dataset.slug), query)
    if page.get("next_cursor"):  # signed with the time: the same position, another second
        page["next_cursor"] = page["next_cursor"].split(":")[0]
    return page


def test_ingestion_writes_the_serving_file_beside_the_version(
    home, make_dataset, steward, delibs_csv
):
    _dataset, report, version = _ingest(make_dataset, steward, delibs_csv, "Délibérations")
    parquet, path = _files(home, version)
    assert path.is_file() and path.name == parquet.name.replace(".parquet", ".duckdb")
    manifest = building.manifest_of(path)
    assert manifest["rows"] == version.row_count and manifest["rowid_is_id"] is True
    types = {c["id"]: c["type"] for c in version.columns}
    dates = [c for c, t in types.items() if t in ("date", "datetime")]
    assert dates, types
    assert manifest["sorted"][0]["keys"] == [[dates[0], False]]
    assert manifest["sorted"][1]["keys"] == [[dates[0], True]]
    assert set(manifest["words"]["columns"]) == {c for c, t in types.items() if t == "text"}
    # The rows are the Parquet file's, in file order, with their record id.
    con = duckdb.connect(str(path), read_only=True)
    stored = con.execute("SELECT * EXCLUDE (_id) FROM records ORDER BY rowid").fetchall()
    ids = [r[0] for r in con.execute("SELECT _id FROM records ORDER BY rowid").fetchall()]
    original = con.execute(f"SELECT * FROM read_parquet('{parquet}')").fetchall()
    con.close()
    assert stored == original and ids == list(range(1, len(original) + 1))
    # Where the ingestion's time went, step by step.
    assert {"staging", "hashing", "serving", "placement", "commit"} <= set(report.timings)


def test_every_read_gives_the_same_answer_from_the_serving_file_and_from_parquet(
    home, make_dataset, steward, delibs_csv, data_officer, settings, fresh_serving_store
):
    dataset, _report, version = _ingest(make_dataset, steward, delibs_csv, "Délibérations")
    types = {c["id"]: c["type"] for c in version.columns}
    text = next(c for c, t in types.items() if t == "text")
    date = next(c for c, t in types.items() if t == "date")
    queries = [
        RecordQuery(limit=20),
        RecordQuery(order_by=f"{date} desc", limit=20),
        RecordQuery(order_by=date, limit=20, offset=40),
        RecordQuery(where=f'search({text}, "urbanisme")', limit=20),
        RecordQuery(where='"convention"', limit=20),
        RecordQuery(where=f"{date} >= date'2015-01-01'", order_by=date, limit=20),
        # "direction" is in most rows: it has no postings, "attribution" narrows the scan alone
        # (some of its rows have no "direction": the candidates are more than the matches).
        RecordQuery(where='"direction attribution"', limit=1),
        RecordQuery(where='"direction attribution"', limit=5, offset=5),
        RecordQuery(where='"attribution" and "direction"', order_by=date, limit=5),
    ]
    answers = {}
    for on in (False, True):
        settings.TERRITOIRE_RECORDS_SERVING = on
        answers[on] = [_page(dataset, q, data_officer) for q in queries]
    for a, b, q in zip(answers[True], answers[False], queries, strict=True):
        assert a == b, q
    assert any(a["total_count"] for a in answers[True][3:5])  # the searches found something
    assert answers[True][6]["total_count"] > 10  # two pages, counted by the where, not the index
    assert serving.store().stats(), "the reads attached the serving file"
    with duckdb.connect(str(_files(home, version)[1]), read_only=True) as con:
        manifest = json.loads(con.execute("SELECT manifest FROM _serving").fetchone()[0])
        (held,) = con.execute("SELECT n FROM words_vocab WHERE token = 'direction'").fetchone()
    assert held > manifest["words"]["postings_max"]


def test_a_search_term_in_too_many_words_is_left_to_the_where(
    home,
    make_dataset,
    steward,
    delibs_csv,
    data_officer,
    settings,
    fresh_serving_store,
    monkeypatch,
):
    """A term in more words than the index looks up ("de": de, des, délibération…) is left out of
    the candidates: the other term narrows the scan, the where checks both, and the pages and
    counts are those of a scan of the Parquet file."""
    dataset, _report, _version = _ingest(make_dataset, steward, delibs_csv, "Délibérations")
    monkeypatch.setattr(sources, "FTS_TOKEN_LIMIT", 12)  # "attribution": 11 words
    narrowed = []

    def spied(served, main, found):
        narrowed.append(found)
        return restricted(served, main, found)

    restricted = sources.restricted
    monkeypatch.setattr(sources, "restricted", spied)
    queries = [
        RecordQuery(where='"de attribution"', limit=1),
        RecordQuery(where='"de attribution"', limit=5, offset=5),
        RecordQuery(where='"de attribution"', limit=5, order_by="-_id"),
    ]
    answers = {}
    for on in (False, True):
        settings.TERRITOIRE_RECORDS_SERVING = on
        answers[on] = [_page(dataset, q, data_officer) for q in queries]
    assert answers[True] == answers[False]
    assert answers[True][0]["total_count"] > 5
    assert narrowed and not any(found.exact for found in narrowed)


def test_a_failed_build_never_fails_the_ingestion_and_the_worker_builds_it_later(
    home, make_dataset, steward, budget_csv, monkeypatch
):
    def fail(*args, **kwargs):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(building, "build", fail)
    dataset, report, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    assert [w["code"] for w in report.warnings if w["code"] == "serving_not_built"] == [
        "serving_not_built"
    ]
    _parquet, path = _files(home, version)
    assert not path.exists() and not list((home / "lake" / ".staging").glob("**/*.duckdb"))
    assert [v.pk for v in serving_services.versions_without_serving()] == [version.pk]
    monkeypatch.undo()
    assert serving_services.serving_build_missing() == 1
    assert building.manifest_of(path)["rows"] == 1448
    assert list(serving_services.versions_without_serving()) == []


def test_the_command_builds_missing_files_and_rebuilds_on_demand(
    home, make_dataset, steward, budget_csv, capsys
):
    dataset, _report, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    _parquet, path = _files(home, version)
    path.unlink()
    call_command("serving", "status")
    assert "1 version(s) sans fichier de lecture" in capsys.readouterr().out
    call_command("serving", "build")
    assert "1 fichier(s) de lecture construit(s)" in capsys.readouterr().out
    first = path.stat().st_ino
    call_command("serving", "build", "--dataset", dataset.slug, "--rebuild")
    assert path.stat().st_ino != first and building.manifest_of(path)["rows"] == 1448
    with pytest.raises(CommandError, match="introuvable|No version"):
        call_command("serving", "build", "--dataset", "nothing-here")


def test_structures_follow_the_settings(home, make_dataset, steward, budget_csv, settings):
    settings.TERRITOIRE_SERVING_STRUCTURES = []
    _dataset, _report, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    manifest = building.manifest_of(_files(home, version)[1])
    assert manifest["rows"] == 1448 and not {"sorted", "geo", "words"} & set(manifest)
    settings.TERRITOIRE_SERVING_STRUCTURES = ["words"]
    settings.TERRITOIRE_SERVING_MIN_ROWS = 10_000  # bigger than the file: the rows only
    _dataset, _report, version = _ingest(make_dataset, steward, budget_csv, "Budget bis")
    assert "words" not in building.manifest_of(_files(home, version)[1])
    os.environ["TERRITOIRE_TEST_SUBSET"] = "sorted,maps"
    try:
        with pytest.raises(ConfigurationError, match="maps"):
            env_subset("TERRITOIRE_TEST_SUBSET", [], ("sorted", "geo", "words"))
        os.environ["TERRITOIRE_TEST_SUBSET"] = "none"
        assert env_subset("TERRITOIRE_TEST_SUBSET", ["sorted"], ("sorted",)) == []
    finally:
        del os.environ["TERRITOIRE_TEST_SUBSET"]


def test_cleanup_removes_orphan_serving_files_and_dead_processes_spill(
    home, make_dataset, steward, budget_csv
):
    dataset, _report, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    _parquet, kept = _files(home, version)
    orphan = home / "lake" / dataset.slug / "v9-0123abcd.duckdb"
    orphan.write_bytes(b"left by a killed run")
    dead = home / "tmp" / "records-999999999"
    alive = home / "tmp" / f"records-{os.getpid()}"
    for spill in (dead, alive):
        spill.mkdir(parents=True, exist_ok=True)
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    os.utime(kept, (old, old))
    removed = lake_cleanup()
    assert (
        f"lake/{dataset.slug}/v9-0123abcd.duckdb" in removed and "tmp/records-999999999" in removed
    )
    assert kept.is_file() and alive.is_dir() and not orphan.exists() and not dead.exists()


def test_deleting_a_dataset_removes_its_serving_files(
    home, make_dataset, steward, budget_csv, django_capture_on_commit_callbacks, data_officer
):
    dataset, _report, version = _ingest(make_dataset, steward, budget_csv, "Budget")
    parquet, path = _files(home, version)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.dataset_delete(actor=data_officer, dataset=dataset)
    assert not parquet.exists() and not path.exists()


def test_a_process_keeps_a_bounded_number_of_files_attached_and_sees_a_rebuilt_file(
    home, make_dataset, steward, budget_csv, delibs_csv, data_officer, settings, fresh_serving_store
):
    settings.TERRITOIRE_RECORDS_ATTACHED = 1
    budget, *_ = _ingest(make_dataset, steward, budget_csv, "Budget")
    delibs, _r, delibs_version = _ingest(make_dataset, steward, delibs_csv, "Délibérations")
    expected = {}
    for _round in range(2):
        for dataset in (budget, delibs):
            page = _page(dataset, RecordQuery(limit=5, order_by="_id desc"), data_officer)
            expected.setdefault(dataset.slug, page)
            assert page == expected[dataset.slug]
            assert len(serving.store().stats()) == 1
    path = _files(home, delibs_version)[1]
    with duckdb.connect(str(path), read_only=True) as con:
        manifest = json.loads(con.execute("SELECT manifest FROM _serving").fetchone()[0])
    serving_services.version_serving_build(delibs_version, rebuild=True)
    assert (
        _page(delibs, RecordQuery(limit=5, order_by="_id desc"), data_officer)
        == expected[delibs.slug]
    )
    assert [s["path"] for s in serving.store().stats()] == [str(path)]
    assert manifest["rows"] == delibs_version.row_count


def test_the_word_index_holds_each_word_of_each_value_once_by_value_or_row_by_row(tmp_path):
    """Postings (word, column, row) of a repeated column (split once per distinct value) and of
    a column of distinct values (split row by row) are those of every row split on its own, each
    once, sorted, except for the words too common to have any; a word's n is how many values
    hold it. Words twice in one value, accents, ligatures, NULLs and empty values included."""
    communes = ["Saint-Denis", "Sainte-Foy de Sainte", "Cœur-de-Ville", None, ""]
    rows = [
        (n, communes[n % 5], None if n % 11 == 0 else f"Rue {n} de la rue Émile n° {n % 7}")
        for n in range(400)
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER, commune VARCHAR, libelle VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    parquet = tmp_path / "v1-00000000.parquet"
    con.execute(f"COPY t TO '{parquet}' (FORMAT parquet)")
    columns = [
        {"id": "n", "type": "integer"},
        {"id": "commune", "type": "text"},
        {"id": "libelle", "type": "text"},
    ]
    target = building.serving_path(parquet)
    options = building.Options(structures=("words",), min_rows=0, memory_mb=128)
    building.build(parquet, target, columns, options)
    expected = set()
    for record_id, (_n, *values) in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if value is None:
                continue
            (words,) = con.execute(
                f"SELECT regexp_split_to_array({normalized_sql('?')}, '{WORD_SPLIT}')", [value]
            ).fetchone()
            expected |= {(word, col, record_id) for word in words if word}
    built = duckdb.connect(str(target), read_only=True)
    manifest = json.loads(built.execute("SELECT manifest FROM _serving").fetchone()[0])
    assert manifest["words"]["columns"] == ["commune", "libelle"]
    found = built.execute(
        "SELECT p.tid, v.token, p.col, p._id FROM words_postings p JOIN words_vocab v USING (tid) "
        "ORDER BY p.rowid"
    ).fetchall()
    postings = [(token, col, record_id) for _tid, token, col, record_id in found]
    # A word's n: the values holding it. The words held by more than a fifth of the rows (here
    # more than 80 of 400) have no postings; the others have all of theirs.
    held = Counter(word for word, _col, _id in expected)
    most = manifest["words"]["postings_max"]
    assert most == 80
    counts = dict(built.execute("SELECT token, n FROM words_vocab").fetchall())
    assert counts == dict(held)
    assert {"rue", "emile", "de"} <= {w for w, n in held.items() if n > most}
    kept = {p for p in expected if held[p[0]] <= most}
    assert len(postings) == len(set(postings)) and set(postings) == kept
    keys = [(tid, col, record_id) for tid, _token, col, record_id in found]
    assert keys == sorted(keys)  # by word, column, row: the reads skip by min/max
    assert {"saint-denis", "sainte", "coeur-de-ville", "sainte-foy", "5"} <= {
        p[0] for p in postings
    }
    built.close()
