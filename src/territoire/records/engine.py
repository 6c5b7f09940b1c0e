"""DuckDB for record queries: the connection set up for them (one per thread), the extensions
they need, and the execution of a statement within the time limit.

Every read of records runs through ``records.selectors`` (what is served, where it runs, pages,
facets, exports), which compiles its SQL with ``odsql.compile_query`` and runs it here. When a
limit is hit the answer says so in ``limits`` (never a silently empty or shortened result).
"""

from __future__ import annotations

import dis
import functools
import importlib.abc
import sys
import threading
import time
import zoneinfo
from pathlib import Path

import duckdb

from territoire.core.duckdb import load_extension
from territoire.core.errors import TerritoireError

from .odsql.errors import computation_error
from .watchdog import INTERRUPTIONS, interrupted, watchdog

DEFAULT_TIMEZONE = "Europe/Paris"


class _PandasNotForDuckDB(importlib.abc.MetaPathFinder):
    """DuckDB's Python client imports pandas at the first query with parameters, to tell whether
    a parameter is a DataFrame: 30–45 MB and 0.3 s in every process that never uses pandas (a web
    worker: 4 of them by default; an ingestion). This finder answers "no such module" when the
    import comes from a call made by the platform's own code (DuckDB's C++ importing it), and
    lets every ``import pandas`` statement (statsmodels' own, for the indicators) and every
    library's import through. Once pandas is loaded, DuckDB finds it and nothing here runs."""

    def find_spec(self, name, path=None, target=None):
        if name != "pandas":
            return None
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith("<frozen"):
            frame = frame.f_back  # importlib's own frames
        if frame is None or not frame.f_code.co_filename.startswith(_PACKAGE):
            return None  # a library's import, or the interpreter's
        if frame.f_code.co_code[frame.f_lasti] == _IMPORT_NAME:
            return None  # an ``import`` statement of ours
        raise ModuleNotFoundError("No module named 'pandas' (not loaded for DuckDB)", name="pandas")


_PACKAGE = str(Path(__file__).resolve().parent.parent)
_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
if not any(isinstance(f, _PandasNotForDuckDB) for f in sys.meta_path):
    sys.meta_path.insert(0, _PandasNotForDuckDB())
# Errors a valid query can meet on the data itself (overflow, impossible cast): the user's to fix.
DATA_ERRORS = (duckdb.OutOfRangeException, duckdb.ConversionException)
MEMORY_RETRY_AFTER = 30


class InsufficientMemory(TerritoireError):
    """A query needed more memory than DuckDB may take in this process (its pool, or an
    export's own: ``TERRITOIRE_RECORDS_MEMORY_MB``, ``TERRITOIRE_EXPORT_MEMORY_MB``), often
    because other queries held part of it: a 503 with ``Retry-After`` that says what to do,
    not a 500. (An export that runs out once its answer has started is cut short, its transfer
    left incomplete, as at its time limit.)"""

    code = "insufficient_memory"
    status = 503

    def __init__(self, where: str = "query", retry_after: int = MEMORY_RETRY_AFTER):
        fr, lighter, en = (
            ("cet export", "allégez-le", "this export")
            if where == "export"
            else ("cette requête", "allégez-la", "this query")
        )
        super().__init__(
            f"Mémoire insuffisante pour {fr} : réessayez dans {retry_after} s, ou {lighter} "
            "(un filtre, moins de colonnes, un tri sur une autre colonne).",
            f"Not enough memory for {en}: retry in {retry_after} s, or make it lighter "
            "(a filter, fewer columns, a sort on another column).",
            where=where,
        )
        self.retry_after = retry_after


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB out of memory (pyarrow's batch reader turns it into an
    OSError that carries DuckDB's message)."""
    if isinstance(exc, duckdb.OutOfMemoryException | MemoryError):
        return True
    return isinstance(exc, OSError) and "Out of Memory Error" in str(exc)


def connect(
    *,
    timezone: str = DEFAULT_TIMEZONE,
    database: str = ":memory:",
    memory_mb: int | None = None,
    threads: int | None = None,
    spill: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for record queries (file order kept, local time zone); a
    database of its own bounded to ``memory_mb`` and ``threads`` that spills to ``spill``
    when given."""
    config = {}
    if memory_mb:
        config["memory_limit"] = f"{int(memory_mb)}MB"
    if threads:
        config["threads"] = str(int(threads))
    if spill is not None:
        config["temp_directory"] = str(spill)
    con = duckdb.connect(database, config=config)
    con.execute("SET preserve_insertion_order = true")
    set_timezone(con, timezone)
    return con


@functools.cache
def _timezones() -> frozenset[str]:
    # The IANA names of the tz database (files such as "posixrules" or "localtime" are not zones,
    # and DuckDB's ICU does not know them).
    return frozenset(zoneinfo.available_timezones() - {"localtime", "posixrules", "Factory"})


def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone the engine takes (``Europe/Paris``, ``UTC``…):
    checked against the list of zones, never opened as a file."""
    return isinstance(name, str) and len(name) <= 64 and name in _timezones()


def set_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    if not is_timezone(timezone):  # refuse unknown names before they reach SQL
        raise ValueError(f"unknown time zone {timezone[:64]!r}")
    con.execute(f"SET TimeZone = '{timezone}'")


_local = threading.local()


def connection(timezone: str = DEFAULT_TIMEZONE) -> duckdb.DuckDBPyConnection:
    """This thread's connection for reading Parquet versions (web workers are threads or
    processes: a connection is cheap to reuse, not to open). Every use names its time zone
    (datetimes come out in it), so one request's ``timezone`` never leaks into the next."""
    con = getattr(_local, "con", None)
    if con is None:
        con = connect(timezone=timezone)
        _local.con, _local.zone = con, timezone
    elif _local.zone != timezone:
        set_timezone(con, timezone)
        _local.zone = timezone
    return con


def load_extensions(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """The DuckDB extensions a compiled query needs, from their pinned wheels (the lake's
    loader: nothing is downloaded at run time)."""
    for name in names:
        load_extension(con, name)


# Statements run again after running out of memory, one at a time (see ``execute``).
_again = threading.Lock()
AGAIN = 3
AGAIN_PAUSE_S = 0.05


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: list, timeout_s: float | None):
    """The rows of a statement, or None when the time limit interrupted it (the one time limit:
    ``watchdog``). A valid query that fails on the data is a QueryError (400).

    A statement that runs out of the process's memory ran beside others that held part of it
    (four facets over a million distinct values at once in one worker): it runs again within
    its time, one such statement at a time, up to ``AGAIN`` times, and only then is it an
    InsufficientMemory (503)."""
    started = time.monotonic()
    with watchdog.deadline(con, timeout_s) as deadline:
        try:
            try:
                return con.execute(sql, params).fetchall()
            except duckdb.OutOfMemoryException:
                return _again_alone(con, sql, params, started, timeout_s)
        except DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        except INTERRUPTIONS as exc:
            if deadline.expired and interrupted(exc):
                return None
            if out_of_memory(exc):
                raise InsufficientMemory() from exc
            raise
        except duckdb.OutOfMemoryException as exc:
            if deadline.expired:
                return None
            raise InsufficientMemory() from exc


def _again_alone(con, sql: str, params: list, started: float, timeout_s: float | None):
    """Run a statement that ran out of memory again, one such statement at a time, up to
    ``AGAIN`` times while its time lasts (the queries that held the memory end meanwhile)."""
    for attempt in range(AGAIN):
        left = None if timeout_s is None else timeout_s - (time.monotonic() - started)
        if left is not None and left <= 0:
            raise duckdb.OutOfMemoryException("time is up before the statement could run again")
        if not _again.acquire(timeout=-1 if left is None else left):
            raise duckdb.OutOfMemoryException("time is up before the statement could run again")
        try:
            return con.execute(sql, params).fetchall()
        except duckdb.OutOfMemoryException:
            if attempt == AGAIN - 1:
                raise
        finally:
            _again.release()
        time.sleep(AGAIN_PAUSE_S * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def time_limit(seconds: float | None, part: str) -> dict:
    """The ``limits`` entry of a part of the answer (results, total_count, facets) that the time
    limit stopped."""
    seconds = seconds or 0.0  # only called when a limit was set and hit
    return {
        "name": "time_limit",
        "value": seconds,
        "part": part,
        "message": f"La limite de temps de {seconds:g} s a été atteinte ({part}) : affinez la requête ou utilisez un export",
        "message_en": f"The time limit of {seconds:g} s was reached ({part}): narrow the query or use an export",
    }
