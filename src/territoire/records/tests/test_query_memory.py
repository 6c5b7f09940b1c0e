"""Memory of record queries: every export runs in a DuckDB database of its own, bounded by
``TERRITOIRE_EXPORT_MEMORY_MB`` (never the process's pool, which the pages use), with a spill
directory of its own; a statement that runs out of the pool runs again, one at a time; a query
that still runs out of memory is a 503 with ``Retry-After`` and a message in French and English
on every front-end, never a 500.

The dataset: 300,000 generated rows with a serving file, labels all distinct (a sort on them is
a real sort, not a sorted copy).
"""

# Fixtures imported from the interop tests are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import os
import threading

import duckdb
import pytest

from territoire.interop.tests.conftest import (  # noqa: F401 - fixtures
    _clear_rate_limits,
    home,
)
from territoire.records import engine, export_limits, exports, selectors, serving
from territoire.records.odsql import RecordQuery
from territoire.records.selectors import sources
from territoire.records.tests.conftest import generated_labels

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store")]

ROWS = 300_000
ODS = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def labels(home, make_dataset, data_officer, settings):
    settings.TERRITOIRE_RECORDS_SERVING = True
    settings.TERRITOIRE_SERVING_MIN_ROWS = 0
    return generated_labels(make_dataset, data_officer, "Libellés distincts", ROWS)


def _exports_left() -> list[str]:
    folder = serving.spill_dir(os.getpid())
    return sorted(p.name for p in folder.glob("export-*")) if folder.exists() else []


def test_an_export_has_a_database_of_its_own(labels, settings, data_officer):
    settings.TERRITOIRE_EXPORT_MEMORY_MB = 48
    settings.TERRITOIRE_EXPORT_THREADS = 1
    served = selectors.served_get(data_officer, labels.slug)
    pool = serving.store().database()
    with (
        sources.open_version(served, "Europe/Paris", export=True) as first,
        sources.open_version(served, "Europe/Paris", export=True) as second,
    ):
        settings_of = [
            s.con.execute(
                "SELECT current_setting('memory_limit'), current_setting('threads'), "
                "current_setting('temp_directory')"
            ).fetchone()
            for s in (first, second)
        ]
        assert [s[:2] for s in settings_of] == [("45.7 MiB", 1)] * 2  # 48 MB in MiB
        assert settings_of[0][2] != settings_of[1][2]  # two spill directories
        assert len(_exports_left()) == 2
        count = first.con.execute(f"SELECT count(*) FROM {first.sql}").fetchone()[0]
        assert count == ROWS
    # The process's pool is another database, with its own limit.
    limit = pool.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit != "45.7 MiB"
    assert _exports_left() == []  # closed and removed


def test_exports_at_once_sort_apart_and_all_arrive_whole(labels, settings, data_officer):
    """Three whole-table exports sorted on distinct text at once, in one process (threads, as
    a web worker's), each whole and in order. (On the 1M-row bench, with the process's pool,
    one of three failed with a 500 and one was cut short.)"""
    settings.TERRITOIRE_EXPORT_SLOTS = 4
    served = selectors.served_get(data_officer, labels.slug)  # the database, in this thread
    answers: list = [None, None, None]

    def export(n: int) -> None:
        query = RecordQuery(order_by="label desc")
        response = exports.respond(
            exports.Export(served, query, exports.BY_CODE["csv"], "Europe/Paris")
        )
        answers[n] = (response.status_code, b"".join(response.streaming_content))

    threads = [threading.Thread(target=export, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a[0] for a in answers] == [200, 200, 200]
    assert answers[0][1] == answers[1][1] == answers[2][1]
    rows = list(csv.reader(io.StringIO(answers[0][1].decode("utf-8"))))
    assert len(rows) == ROWS + 1
    shown = [r[1] for r in rows[1:]]
    assert shown == sorted(shown, reverse=True)
    assert export_limits.held() == 0
    assert _exports_left() == []


@pytest.mark.parametrize("prefix", ["/api/v1/datasets", ODS])
def test_an_export_out_of_memory_is_a_503_that_says_what_to_do(client, labels, settings, prefix):
    settings.TERRITOIRE_EXPORT_MEMORY_MB = 2  # below what a sort of 300,000 labels needs
    response = client.get(f"{prefix}/{labels.slug}/exports/csv", {"order_by": "label desc"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert "Mémoire insuffisante pour cet export" in body["message"]
    assert "Not enough memory for this export" in (body.get("message_en") or "")
    assert body.get("error", body.get("error_code")) in (
        "insufficient_memory",
        "InsufficientMemory",
    )
    assert export_limits.held() == 0  # the slot is given back
    assert _exports_left() == []
    settings.TERRITOIRE_EXPORT_MEMORY_MB = 128
    again = client.get(f"{prefix}/{labels.slug}/exports/csv", {"where": "id < 3"})
    assert again.status_code == 200
    assert len(b"".join(again.streaming_content).splitlines()) == 4
    again.close()  # as the server does: the slot is given back


@pytest.fixture
def small_pool():
    """The process's pool at 2 MB for the test, then back to its setting."""
    from django.conf import settings

    pool = serving.store().database()
    pool.execute("SET memory_limit = '2MB'")
    yield
    pool.execute(f"SET memory_limit = '{int(settings.TERRITOIRE_RECORDS_MEMORY_MB)}MB'")


def test_a_page_out_of_memory_is_a_503_on_the_native_api_and_ckan(client, labels, small_pool):
    native = client.get(
        f"/api/v1/datasets/{labels.slug}/records", {"group_by": "label", "select": "count(*)"}
    )
    assert native.status_code == 503, native.content[:300]
    assert native["Retry-After"] == "30"
    assert native.json()["error"] == "insufficient_memory"
    assert "Mémoire insuffisante pour cette requête" in native.json()["message"]
    ckan = client.get(
        "/api/3/action/datastore_search",
        {"resource_id": labels.slug, "sort": "label desc", "limit": 5},
    )
    assert ckan.status_code == 503, ckan.content[:300]
    assert ckan["Retry-After"] == "30"
    error = ckan.json()["error"]
    assert error["__type"] == "Service Unavailable Error"
    assert "Not enough memory" in error["message_en"]


class _Pool:
    """A connection whose statements run out of memory the first ``failures`` times (what
    DuckDB raises while other queries of the process hold the pool)."""

    def __init__(self, failures: int):
        self.failures = failures
        self.ran = 0

    def execute(self, sql, params):
        self.ran += 1
        if self.ran <= self.failures:
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return self

    def fetchall(self):
        return [(self.ran,)]

    def interrupt(self):
        pass


@pytest.mark.parametrize("failures", [1, 2, 3])
def test_a_statement_out_of_memory_runs_again(failures, monkeypatch):
    monkeypatch.setattr(engine, "AGAIN_PAUSE_S", 0)
    pool = _Pool(failures)
    assert engine.execute(pool, "SELECT 1", [], 10) == [(failures + 1,)]
    assert pool.ran == failures + 1


def test_a_statement_out_of_memory_every_time_is_a_503(monkeypatch):
    monkeypatch.setattr(engine, "AGAIN_PAUSE_S", 0)
    pool = _Pool(failures=100)
    with pytest.raises(engine.InsufficientMemory) as refused:
        engine.execute(pool, "SELECT 1", [], 10)
    assert pool.ran == 1 + engine.AGAIN
    assert refused.value.status == 503 and refused.value.retry_after == 30


def test_statements_run_again_one_at_a_time(monkeypatch):
    """While one statement runs again, another that ran out waits for it (the lock), so that
    two heavy statements never collide twice."""
    monkeypatch.setattr(engine, "AGAIN_PAUSE_S", 0)
    inside, overlap = threading.Lock(), []

    class Slow(_Pool):
        def execute(self, sql, params):
            self.ran += 1
            if self.ran == 1:
                raise duckdb.OutOfMemoryException("Out of Memory Error")
            if not inside.acquire(blocking=False):
                overlap.append(True)
                return self
            try:
                threading.Event().wait(0.05)
            finally:
                inside.release()
            return self

    pools = [Slow(1) for _ in range(4)]
    threads = [threading.Thread(target=engine.execute, args=(p, "SELECT 1", [], 10)) for p in pools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.ran for p in pools] == [2, 2, 2, 2]
    assert overlap == []


def test_a_statement_out_of_memory_past_its_time_is_not_run_again(monkeypatch):
    monkeypatch.setattr(engine, "AGAIN_PAUSE_S", 0)
    pool = _Pool(failures=1)
    assert engine.execute(pool, "SELECT 1", [], None) == [(2,)]  # no time limit: runs again
    pool = _Pool(failures=1)
    try:  # its time is up by the time it could run again: the time limit, or the 503
        assert engine.execute(pool, "SELECT 1", [], 1e-9) is None
    except engine.InsufficientMemory:
        pass
    assert pool.ran == 1


def test_the_portal_page_says_when_memory_runs_out(client, labels, small_pool):
    """The dataset page's table sorted on the labels runs out of a 2-MB pool: the page
    answers, with the message in the table's place, never a 500."""
    page = client.get(
        f"/jeux-de-donnees/{labels.slug}/", {"tri": "-label"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("Mémoire insuffisante pour cette requête") == 1
    assert 'role="alert">Mémoire insuffisante' in html
    assert "Libellé numéro 299999" not in html  # no rows shown as if sorted
