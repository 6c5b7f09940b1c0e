"""Untrusted files are read in a child process: a crash, a time or memory limit fails that
ingestion only, with a clear report, and leaves nothing behind; the caller lives on."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

from territoire.lake.engine import IngestOptions, Limits, stage
from territoire.lake.engine.readers import Reader, ReadResult, register, unregister

from .engine_helpers import CITY, fails, run

BUDGET = CITY / "montpellier-budget-primitif-2014/VilleMTP_MTP_BudgetPri_2014.csv"


def zero_shapefile(path: Path) -> Path:
    """The 300-byte zip of issue 11: a.shp, a.shx, a.dbf of 100 zero bytes each. GDAL
    (DuckDB spatial, ST_Read_Meta) dies of a segmentation fault on it."""
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("a.shp", "a.shx", "a.dbf"):
            zf.writestr(name, b"\x00" * 100)
    return path


def test_a_reader_that_crashes_fails_this_file_only(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    error = fails(zero_shapefile(tmp_path / "a.zip"), work)
    issue = error.issues[0]
    assert issue.code == "reader_crashed"
    assert issue.message_fr.startswith("Le fichier n'a pas pu être lu : le lecteur s'est arrêté")
    assert "SIGSEGV" in issue.message_fr and issue.message_en and issue.hint_fr
    assert issue.file == "a.zip"
    assert not list(tmp_path.glob("core*")) and not list(Path.cwd().glob("core*"))
    # this process lives on and reads the next file
    staged, cols = run(BUDGET, work)
    with staged:
        assert staged.row_count == 1448
        assert staged.con.execute("SELECT count(*) FROM raw").fetchone() == (1448,)


@pytest.fixture
def test_reader():
    """A format of this test's own (files starting with TEST-READER), reading as ``action``."""
    actions = {}

    def read(ctx):
        actions["run"](ctx)
        return ReadResult(["a"], ["a"])

    register(
        Reader(
            format="test-reader",
            name="test",
            extensions=(),
            sniff=lambda found: found.head.startswith(b"TEST-READER"),
            read=read,
            order=0,
        )
    )
    yield actions
    unregister("test-reader")


def test_time_limit_stops_the_reader(tmp_path, test_reader):
    def spin(_ctx):
        while True:
            pass

    test_reader["run"] = spin
    path = tmp_path / "slow.bin"
    path.write_bytes(b"TEST-READER")
    work = tmp_path / "work"
    work.mkdir()
    started = time.monotonic()
    error = fails(path, work, limits=Limits(seconds=1))
    assert error.issues[0].code == "time_limit"
    assert "1 secondes" in error.issues[0].message_fr and "TERRITOIRE_INGEST_SECONDS" in (
        error.issues[0].hint_fr
    )
    assert time.monotonic() - started < 30  # stopped, not left to spin


def test_memory_limit_bounds_the_reader(tmp_path, test_reader):
    def hog(_ctx):
        bytearray(512 << 20)  # twice the limit below

    test_reader["run"] = hog
    path = tmp_path / "big.bin"
    path.write_bytes(b"TEST-READER")
    work = tmp_path / "work"
    work.mkdir()
    error = fails(path, work, limits=Limits(memory_mb=256))
    assert error.issues[0].code in ("out_of_memory", "reader_crashed")


def test_queries_on_the_staged_table_run_in_the_reader(tmp_path):
    staged, _cols = run(BUDGET, tmp_path)
    with staged:
        con = staged.con
        assert type(con).__name__ == "ChildConnection"  # the rows stay in the reader
        assert con.execute("SELECT count(*) FROM raw WHERE bp IS NOT NULL").fetchall()
        with pytest.raises(Exception) as info:
            con.execute("SELECT no_such_column FROM raw")
        assert "no_such_column" in str(info.value)
        con.execute("CREATE OR REPLACE TEMP TABLE t (v VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?)", [("a",), ("b",)])
        assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)
    assert os.listdir(tmp_path) == [staged.parquet_path.name]


def test_in_process_reading_gives_the_same_result(tmp_path):
    isolated, cols = run(BUDGET, tmp_path / "a")
    here = stage(
        BUDGET, workdir=tmp_path / "b", options=IngestOptions(limits=Limits(isolated=False))
    )
    with isolated, here:

        def described(staged):  # examples are any five distinct values: not compared
            return [{**c.as_dict(), "stats": {**c.stats, "examples": None}} for c in staged.columns]

        assert described(isolated) == described(here)
        assert isolated.row_count == here.row_count


def test_too_many_columns_refused_before_reading(tmp_path):
    """Issue 11: a 182 KB CSV with 10,000 columns ran DuckDB out of memory."""
    path = tmp_path / "large.csv"
    header = ",".join(f"colonne{k}" for k in range(10_000))
    row = ",".join(str(k % 10) for k in range(10_000))
    path.write_text(header + "\n" + "\n".join([row] * 8) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    error = fails(path, work)
    issue = error.issues[0]
    assert issue.code == "too_many_columns"
    assert "10 000 colonnes" in issue.message_fr and "1 000" in issue.message_fr
    assert "10,000 columns" in issue.message_en
    assert "TERRITOIRE_INGEST_MAX_COLUMNS" in issue.hint_fr
    # the cap is a setting (TERRITOIRE_INGEST_MAX_COLUMNS)
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("a;b;c;d;e;f\n1;2;3;4;5;6\n", encoding="utf-8")
    error = fails(narrow, work, limits=Limits(max_columns=5))
    assert "6 colonnes ; la limite est de 5" in error.issues[0].message_fr
    staged, cols = run(narrow, work, limits=Limits(max_columns=6))
    with staged:
        assert len(cols) == 6
