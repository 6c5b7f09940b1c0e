"""A web process's start (territoire.wsgi): the serving files of the versions served now are
attached before the first request, what a first read compiles is compiled by one read of the
newest version through the application, and every request thread of gunicorn's pool opens its
connections before its first request."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from territoire.catalog import services as catalog_services
from territoire.lake import services
from territoire.lake.engine import serving as building
from territoire.records import serving
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db(transaction=True)


def _two_versions(home, make_dataset, steward, *sources):
    """Two datasets ingested: the second dataset and the serving files of both versions."""
    paths = []
    for title, source in zip(("Délibérations", "Budget"), sources, strict=True):
        dataset = make_dataset(title)
        report = services.dataset_ingest(actor=steward, dataset=dataset, source=source)
        assert report.status == "created", report.errors
        dataset.lake.refresh_from_db()
        paths.append(building.serving_path(home / "lake" / dataset.lake.current_version.path))
    return dataset, paths


def test_a_process_start_attaches_the_served_versions_and_reads_the_newest_once(
    home, make_dataset, steward, data_officer, budget_csv, delibs_csv, fresh_serving_store
):
    from territoire import wsgi  # here: importing it warms the process (reads the database)

    dataset, served = _two_versions(home, make_dataset, steward, delibs_csv, budget_csv)
    paths = [str(p) for p in served]
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    serving.store().clear()
    audited = AuditEvent.objects.count()
    wsgi._attach_current()
    assert sorted(s["path"] for s in serving.store().stats()) == sorted(paths)
    # The warm-up's reads of the published dataset: through the API, nothing audited, the page
    # remembered (the read really ran), its connection closed.
    assert AuditEvent.objects.count() == audited
    assert serving.store()._pages


def test_every_request_thread_opens_its_connections_before_its_first_request():
    from territoire import wsgi  # here: importing it warms the process (reads the database)

    pool = ThreadPoolExecutor(max_workers=3)
    opened = []
    original = wsgi.threading.Barrier

    class Watched(original):
        def wait(self, *args, **kwargs):
            opened.append((threading.get_ident(), connection.connection is not None))
            return super().wait(*args, **kwargs)

    wsgi.threading.Barrier = Watched
    try:
        wsgi.warm_threads(pool, 3)
    finally:
        wsgi.threading.Barrier = original
        pool.shutdown()
    assert len({ident for ident, _ in opened}) == 3  # three threads, each its own
    assert all(has_connection for _, has_connection in opened)


def test_the_start_reads_first_rows_only_while_the_buffer_pool_is_less_than_half_full(
    home, make_dataset, steward, budget_csv, delibs_csv, fresh_serving_store, monkeypatch
):
    _dataset, paths = _two_versions(home, make_dataset, steward, delibs_csv, budget_csv)
    con = fresh_serving_store.cursor("Europe/Paris")

    assert fresh_serving_store.preattach(paths, seconds=30) == 2
    with_rows = serving._buffered(con)
    fresh_serving_store.clear()
    con = fresh_serving_store.cursor("Europe/Paris")
    monkeypatch.setattr(serving, "_buffered", lambda con: 10**12)  # the pool reported full
    assert fresh_serving_store.preattach(paths, seconds=30) == 2  # attached all the same
    monkeypatch.undo()
    without_rows = serving._buffered(con)
    assert without_rows < with_rows  # the tables' metadata only: no rows read


def test_duckdb_does_not_load_pandas_for_the_platform_but_an_import_statement_does(tmp_path):
    """DuckDB's client would import pandas at the first query with parameters (30–45 MB per web
    worker): refused when the platform's own code runs the query, loaded by an import."""
    script = (
        "import sys\n"
        "from territoire.records import engine\n"
        "con = engine.connect()\n"
        "rows = engine.execute(con, 'SELECT ? + 1', [41], None)\n"
        "print(rows, 'pandas' in sys.modules)\n"
        "import pandas\n"
        "rows = engine.execute(con, 'SELECT ? * 2', [21], None)\n"
        "print(rows, 'pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[(42,)] False", "[(42,)] True"]
