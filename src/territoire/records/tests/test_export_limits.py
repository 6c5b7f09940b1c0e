"""Exports bounded in time and number, stopped when the client goes away, and refused before the
response starts when their query fails; the time limit of pages armed on the production read
path (through the HTTP APIs, with the configured setting, not a test-only argument).

The big dataset: 2,000,000 generated rows (a full-text search over them, or an export of all of
them, takes far longer than the tiny limits set here).
"""

# Fixtures imported from the interop tests are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from territoire.interop.tests.conftest import (  # noqa: F401 - fixtures
    BUDGET_COLUMNS,
    BUDGET_CSV,
    BUDGET_SQL,
    _clear_rate_limits,
    catalogue,
    home,
)
from territoire.records import export_limits
from territoire.records.odsql import QueryError
from territoire.records.selectors import sources
from territoire.records.tests.conftest import generated_labels

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store", "no_slot_left")]

ROWS = 2_000_000
ODS = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def big(home, make_dataset, data_officer, settings):
    settings.TERRITOIRE_RECORDS_SERVING = False  # the Parquet file: slow enough to hit limits
    settings.TERRITOIRE_SERVING_STRUCTURES = []
    return generated_labels(make_dataset, data_officer, "Grand jeu de lignes", ROWS)


@pytest.fixture
def no_slot_left():
    """Every test gives back the slots it took (a server closes every response)."""
    assert export_limits.held() == 0
    yield
    assert export_limits.held() == 0


@pytest.fixture
def opened(monkeypatch):
    """The sources the exports opened (their connections), to see them closed."""
    seen = []
    original = sources.open_version

    def spy(*args, **kwargs):
        context = original(*args, **kwargs)
        source = context.__enter__()
        seen.append(source)

        class Wrapped:
            def __enter__(self):
                return source

            def __exit__(self, *exc):
                return context.__exit__(*exc)

        return Wrapped()

    monkeypatch.setattr(sources, "open_version", spy)
    return seen


def _client_leaves(response) -> None:
    """What the server does when the client goes away: close the response. (Without the
    request_finished signal, which would close the test's database connection, as Django's
    test client also does.)"""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _closed(con) -> bool:
    try:
        con.execute("SELECT 1")
    except duckdb.ConnectionException:
        return True
    return False


# ---------------------------------------------------------------- slots


@pytest.mark.parametrize("prefix", ["/api/v1/datasets", ODS])
def test_slots_bound_concurrent_exports_and_free_when_closed(client, big, settings, prefix):
    settings.TERRITOIRE_EXPORT_SLOTS = 1
    first = client.get(f"{prefix}/{big.slug}/exports/csv")
    assert first.status_code == 200 and first.streaming
    assert export_limits.held() == 1
    busy = client.get(f"{prefix}/{big.slug}/exports/json")
    assert busy.status_code == 503 and busy["Retry-After"] == "30"
    body = busy.json()
    if prefix == ODS:
        assert body["error_code"] == "TooManyExports"
    else:
        assert body["error"] == "exports_busy" and body["where"] == "export"
    assert "exports" in body["message"] and "exports" in body["message_en"]
    _client_leaves(first)
    assert export_limits.held() == 0
    again = client.get(f"{prefix}/{big.slug}/exports/csv", {"where": "id < 3"})
    assert again.status_code == 200
    assert b"".join(again.streaming_content).count(b"\n") == 4
    assert export_limits.held() == 0  # sent to the end: released


def test_a_slot_held_by_another_process_counts(client, big, settings, home):
    """The bound holds across processes: a slot locked by another process is not free."""
    settings.TERRITOIRE_EXPORT_SLOTS = 1
    slot_file = home / "run" / "exports" / "slot-0"
    slot_file.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed code
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(slot_file)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = client.get(f"/api/v1/datasets/{big.slug}/exports/csv")
        assert refused.status_code == 503
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    after = client.get(f"/api/v1/datasets/{big.slug}/exports/csv", {"limit": 1})
    assert after.status_code == 200
    _client_leaves(after)
    assert export_limits.held() == 0


# ---------------------------------------------------------------- the client goes away


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_closing_the_stream_ends_the_query(client, big, opened, fmt):
    started = time.monotonic()
    response = client.get(f"/api/v1/datasets/{big.slug}/exports/{fmt}")
    chunks = iter(response.streaming_content)
    assert next(chunks)  # a few rows are out, the rest is still to read
    exported = [s for s in opened if not _closed(s.con)]
    assert exported and export_limits.held() == 1
    _client_leaves(response)
    assert all(_closed(s.con) for s in exported)  # the export's connection (and query) ended
    assert export_limits.held() == 0
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------- time limit


def test_a_streamed_export_past_its_time_is_cut(client, big, settings):
    settings.TERRITOIRE_EXPORT_SECONDS = 0.3
    response = client.get(f"/api/v1/datasets/{big.slug}/exports/jsonl")
    assert response.status_code == 200
    started = time.monotonic()
    with pytest.raises(QueryError) as caught:
        for _chunk in response.streaming_content:
            time.sleep(0.05)  # a slow client: the limit counts the sending too
    assert caught.value.clause == "export" and "0.3" in caught.value.message_en
    assert time.monotonic() - started < 10
    assert export_limits.held() == 0


@pytest.mark.parametrize("prefix", ["/api/v1/datasets", ODS])
def test_a_file_export_past_its_time_is_refused(client, big, settings, prefix):
    settings.TERRITOIRE_EXPORT_SECONDS = 0.3
    started = time.monotonic()
    response = client.get(f"{prefix}/{big.slug}/exports/xlsx")
    assert response.status_code == 400
    body = response.json()
    assert "0.3" in body["message"] and "time limit" in body["message_en"]
    assert time.monotonic() - started < 15
    assert export_limits.held() == 0


# ---------------------------------------------------------------- failing queries


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet", "xlsx"])
@pytest.mark.parametrize("prefix", ["/api/v1/datasets", ODS])
def test_a_query_that_fails_on_the_data_is_a_400_before_any_byte(client, catalogue, fmt, prefix):
    """An overflow found while running (not while compiling): an error answer, never a 200
    whose body stops after its first bytes."""
    response = client.get(
        f"{prefix}/{catalogue.budget.slug}/exports/{fmt}",
        {"select": "exercice * 9223372036854775807 as x"},
    )
    assert response.status_code == 400, response
    assert "Overflow" in response.json()["message_en"]
    assert export_limits.held() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "99999999999999999999999"},
        {"offset": "99999999999999999999999"},
        {"limit": str(2**63)},
        {"offset": str(2**63 - 1)},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_ods_export_with_a_huge_limit_or_offset_is_refused_first(client, catalogue, params, fmt):
    response = client.get(f"{ODS}/{catalogue.budget.slug}/exports/{fmt}", params)
    assert response.status_code == 400 and not response.streaming
    body = response.json()
    assert body["error_code"] == "ODSQLError" and next(iter(params)) in body["message_en"]


# ---------------------------------------------------------------- pages: the configured limit


def test_the_configured_time_limit_stops_a_slow_page_through_the_apis(client, big, settings):
    """TERRITOIRE_QUERY_SECONDS armed on the path production uses: a full-text search over
    2,000,000 rows (seconds) is stopped at 0.05 s through the native API and CKAN's
    datastore_search, and the answer says so."""
    settings.TERRITOIRE_QUERY_SECONDS = 0.05
    started = time.monotonic()
    page = client.get(f"/api/v1/datasets/{big.slug}/records", {"where": '"introuvable"'}).json()
    assert time.monotonic() - started < 5
    assert page["results"] == [] and page["total_count"] is None
    assert [(lim["name"], lim["value"]) for lim in page["limits"]] == [("time_limit", 0.05)]
    started = time.monotonic()
    ckan = client.get(
        "/api/3/action/datastore_search", {"resource_id": big.slug, "q": "introuvable"}
    ).json()["result"]
    assert time.monotonic() - started < 5
    assert ckan["records"] == [] and ckan["limits"][0]["name"] == "time_limit"
    settings.TERRITOIRE_QUERY_SECONDS = 30
    quick = client.get(f"/api/v1/datasets/{big.slug}/records", {"where": "id < 3"}).json()
    assert quick["total_count"] == 3 and quick["limits"] == []
