"""Hot versions: the versions being read, copied once per web process into in-memory DuckDB.

A Parquet version is the lake's storage, not the fastest thing to query: every query decodes
the columns it reads again (a record by id scans a row group, a sort decodes a whole column).
A version that is read is therefore loaded, once per process, into an in-memory DuckDB table:

- ``_id``, the 1-based ordinal of the row in the version's Parquet file, is the record id of
  the native API; a unique ART index on it makes a record by id an index lookup;
- **sorted copies**, built on demand for the ``order_by`` keys that are asked (plain fields):
  a page in that order is read off the top of the copy with no sort at all, and a keyset
  cursor's condition lets the scan skip the row groups before it by their min/max;
- **geo copies**, one per ``geo_point`` column, in strips of latitude sorted by longitude:
  ``in_bbox``/``within_distance`` then read a few runs of rows, the rest is skipped by the
  min/max of each segment;
- the sorted copies also serve **equality filters** (``service = "eau"``): on the copy
  sorted by that column the matches are one run, in file order;
- a **word index** of the text columns (postings of every word in its search form), built on
  demand: a full-text search reads the postings of the words that contain the term instead
  of matching every value;
- a **row copy** (an Arrow table in ``_id`` order) answers a record by id by slicing it:
  no SQL to parse and plan, which is most of the cost of an indexed DuckDB lookup (0.02 ms
  against 0.6 ms here); only for versions whose columns all have a plain storage type;
- **counts and facets** are remembered per version (a version never changes, so neither do
  they), unless the query uses ``now()``.

Nothing waits for these: a version is loaded in a background thread while its first queries
run on Parquet, a copy is built in the background while queries use the main table. Small
versions load at once. ``TERRITOIRE_RECORDS_HOT`` = ``background`` (default), ``sync`` (load
before answering: tests, benchmarks) or ``off``; ``TERRITOIRE_RECORDS_HOT_MB`` (default 2048)
bounds the memory of each process: the least recently used structures are dropped first.

Tables and copies are only ever read by SQL that ``odsql.compile_query`` builds, with the
table as its source; the SQL written here and in ``hotcopies`` (loading, copying) contains no
user input, only column ids of the version (quoted) and numbers. The reads never see this
module: ``selectors.sources`` chooses among its structures.
"""

# ruff: noqa: S608 -- identifiers are quoted column ids of the version, values are numbers.

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
from django.conf import settings

from . import engine, hotcopies
from .columns import Column, quote

log = logging.getLogger(__name__)

MODES = ("background", "sync", "off")


SYNC_ROWS = 50_000  # versions this small are loaded before answering, even in background mode
COUNT_CACHE = 512  # results (counts, facets) remembered per version
ROWS = ("rows",)  # the kind of the row copy


def config() -> tuple[str, int]:
    """(mode, budget in bytes) from the settings or the environment; a bad value is an error."""
    mode = str(
        getattr(settings, "TERRITOIRE_RECORDS_HOT", None)
        or os.environ.get("TERRITOIRE_RECORDS_HOT")
        or "background"
    )
    if mode not in MODES:
        raise ValueError(f"TERRITOIRE_RECORDS_HOT must be one of {', '.join(MODES)} (got {mode!r})")
    raw = getattr(settings, "TERRITOIRE_RECORDS_HOT_MB", None)
    if raw is None:
        raw = os.environ.get("TERRITOIRE_RECORDS_HOT_MB", "2048")
    try:
        megabytes = int(raw)
    except (TypeError, ValueError):
        raise ValueError(
            f"TERRITOIRE_RECORDS_HOT_MB must be a whole number of megabytes (got {raw!r})"
        ) from None
    return mode, max(megabytes, 0) * 1024 * 1024


# ---------------------------------------------------------------- structures


@dataclass
class Structure:
    """One table of the hot database: a version's main table or one of its copies."""

    table: str
    extra_tables: tuple[str, ...] = ()  # dropped with it (the word index has two)
    ready: threading.Event = field(default_factory=threading.Event)
    failed: bool = False
    bytes: int = 0
    last_used: float = 0.0
    rows: object = None  # the Arrow table of a row copy (kind ROWS), not a DuckDB table


@dataclass(eq=False)
class HotVersion:
    """A version loaded in the hot database, and the copies built for it."""

    key: tuple  # (DatasetVersion primary key, Parquet checksum): never reused for other data
    columns: tuple[Column, ...]  # the version's data columns
    row_count: int
    id_column: str
    main: Structure
    copies: dict[tuple, Structure] = field(default_factory=dict)
    counts: OrderedDict = field(default_factory=OrderedDict)
    counts_lock: threading.Lock = field(default_factory=threading.Lock)
    source: tuple[str, list] = ("", [])  # what it is loaded from: SQL of a FROM item, parameters
    refs: int = 0
    evicted: bool = False
    loading: bool = False

    @property
    def is_ready(self) -> bool:
        return self.main.ready.is_set() and not self.main.failed

    def copy(self, kind: tuple) -> Structure | None:
        """A ready copy (``("sorted", (col, desc), …)`` or ``("geo", col)``), or None."""
        structure = self.copies.get(kind)
        if structure is not None and structure.ready.is_set() and not structure.failed:
            structure.last_used = time.monotonic()
            return structure
        return None

    def recall(self, key):
        """A result remembered for this version (a count, facets), or None."""
        with self.counts_lock:  # web threads share it
            value = self.counts.get(key)
            if value is not None:
                self.counts.move_to_end(key)
            return value

    def remember(self, key, value) -> None:
        with self.counts_lock:
            self.counts[key] = value
            if len(self.counts) > COUNT_CACHE:
                self.counts.popitem(last=False)


class HotStore:
    """The process's hot database: versions by key, loads, copies, memory budget."""

    def __init__(self):
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()  # one load or copy at a time: memory is measured
        self._db: duckdb.DuckDBPyConnection | None = None
        self._versions: dict[tuple, HotVersion] = {}
        self._local = threading.local()
        self._sequence = 0

    # -- connections

    def database(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._db is None:
                self._db = duckdb.connect(":memory:")
                self._db.execute("SET preserve_insertion_order = true")
            return self._db

    def cursor(self, timezone: str) -> duckdb.DuckDBPyConnection:
        """This thread's connection to the hot database, in ``timezone`` (reused: cheap)."""
        db = self.database()
        con = getattr(self._local, "con", None)
        if con is None or getattr(self._local, "db", None) is not db:
            con = db.cursor()
            con.execute("SET preserve_insertion_order = true")
            engine.set_timezone(con, timezone)
            self._local.con, self._local.db, self._local.zone = con, db, timezone
        elif self._local.zone != timezone:
            engine.set_timezone(con, timezone)
            self._local.zone = timezone
        return con

    def fresh_cursor(self, timezone: str) -> duckdb.DuckDBPyConnection:
        """A connection of its own (exports stream from it while the thread's goes on)."""
        con = self.database().cursor()
        con.execute("SET preserve_insertion_order = true")
        engine.set_timezone(con, timezone)
        return con

    # -- versions

    def _name(self, prefix: str) -> str:
        self._sequence += 1
        return f"{prefix}{self._sequence}"

    @contextmanager
    def use(
        self,
        version,
        columns: tuple[Column, ...],
        id_column: str,
        source: Callable[[], tuple[str, list]],
    ) -> Iterator[HotVersion | None]:
        """The hot copy of ``version`` while the block runs (never dropped meanwhile), or None
        when it is not ready yet (it is then being loaded) or hot versions are off. It is
        loaded from what ``source()`` gives: SQL of a FROM item and its parameters (the
        version's rows with their ``_id``, in ``_id`` order), asked only to load it."""
        mode, _budget = config()
        if mode == "off":
            yield None
            return
        hot = self._get_or_load(version, columns, id_column, source, mode)
        if hot is None:
            yield None
            return
        try:
            yield hot
        finally:
            self._release(hot)

    def _get_or_load(self, version, columns, id_column, source, mode) -> HotVersion | None:
        key = version_key(version)
        with self._lock:
            hot = self._versions.get(key)
            if hot is None:
                hot = HotVersion(
                    key=key,
                    columns=columns,
                    row_count=int(version.row_count),
                    id_column=id_column,
                    main=Structure(self._name("h")),
                    source=source(),
                )
                self._versions[key] = hot
                synchronous = mode == "sync" or hot.row_count <= SYNC_ROWS
                if not synchronous:
                    threading.Thread(
                        target=self._load, args=(hot,), name=f"hot-load-{hot.key[0]}", daemon=True
                    ).start()
            else:
                synchronous = False
        if synchronous:
            self._load(hot)
        with self._lock:
            if hot.evicted or not hot.is_ready:
                return None
            hot.refs += 1
            hot.main.last_used = time.monotonic()
            return hot

    def _release(self, hot: HotVersion) -> None:
        with self._lock:
            hot.refs -= 1
            if hot.evicted and hot.refs == 0:
                self._drop_all(hot)

    def wait(self, version, timeout: float | None = None) -> bool:
        """Wait for a version's load to end (tests, benchmarks); True when it is ready."""
        with self._lock:
            hot = self._versions.get(version_key(version))
        if hot is None:
            return False
        hot.main.ready.wait(timeout)
        return hot.is_ready

    def wait_copies(self, version, timeout: float | None = None) -> None:
        with self._lock:
            hot = self._versions.get(version_key(version))
            copies = list(hot.copies.values()) if hot else []
        for structure in copies:
            structure.ready.wait(timeout)

    def clear(self) -> None:
        """Forget every hot version (tests): tables in use are dropped when released."""
        with self._lock:
            for hot in list(self._versions.values()):
                hot.evicted = True
                if hot.refs == 0:
                    self._drop_all(hot)
            self._versions.clear()

    # -- building

    def _memory(self, con) -> int:
        row = con.execute(
            "SELECT sum(memory_usage_bytes) FROM duckdb_memory() "
            "WHERE tag IN ('IN_MEMORY_TABLE', 'ART_INDEX', 'OVERFLOW_STRINGS')"
        ).fetchone()
        return int(row[0] or 0)

    def _build(self, structure: Structure, statements: list[tuple[str, list]]) -> None:
        con = self.database().cursor()
        try:
            with self._build_lock:
                before = self._memory(con)
                for sql, params in statements:
                    con.execute(sql, params)
                structure.bytes = max(self._memory(con) - before, 0)
        except duckdb.Error:
            log.exception("hot: could not build %s", structure.table)
            structure.failed = True
            for table in (structure.table, *structure.extra_tables):
                try:
                    con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
                except duckdb.Error:  # pragma: no cover - best effort
                    pass
        finally:
            con.close()
            structure.last_used = time.monotonic()
            structure.ready.set()
        self._enforce_budget()

    def _load(self, hot: HotVersion) -> None:
        if hot.main.ready.is_set():
            return
        with self._lock:
            if hot.main.ready.is_set():
                return
            loading, hot.loading = hot.loading, True
        if loading:
            hot.main.ready.wait()
            return
        table = quote(hot.main.table)
        source_sql, source_params = hot.source
        self._build(
            hot.main,
            [
                (f"CREATE TABLE {table} AS SELECT * FROM {source_sql}", list(source_params)),
                (
                    f"CREATE UNIQUE INDEX {quote(hot.main.table + '_id')} ON {table} ({quote(hot.id_column)})",
                    [],
                ),
            ],
        )

    def request_copy(self, hot: HotVersion, kind: tuple) -> Structure | None:
        """The copy if ready; else start building it (in the background unless in sync mode)
        and return None, so that this query runs on the main table."""
        ready = hot.copy(kind)
        if ready is not None:
            return ready
        if kind == ROWS and not hotcopies.row_copy_possible(hot.columns):
            return None
        mode, budget = config()
        with self._lock:
            if kind in hot.copies or hot.evicted:
                return None
            if hot.main.bytes and hot.main.bytes * 2 > budget:
                return None  # a copy as big as the table would not fit beside it
            name = self._name("r" if kind == ROWS else "c")
            extra = (name + "_vocab", name + "_tok") if kind[0] == "words" else ()
            structure = Structure(name, extra_tables=extra)
            hot.copies[kind] = structure
        if kind == ROWS:
            build, args = self._build_rows, (hot, structure)
        else:
            statements = hotcopies.statements(
                hot.main.table, hot.id_column, hot.columns, hot.row_count, kind, name
            )
            build, args = self._build, (structure, statements)
        if mode == "sync":
            build(*args)
            return hot.copy(kind)
        threading.Thread(
            target=build, args=args, name=f"hot-{kind[0]}-{hot.key[0]}", daemon=True
        ).start()
        return None

    def rows(self, hot: HotVersion):
        """The row copy of a version (an Arrow table, row i = ``_id`` i + 1) if ready; else
        start building it like a copy and return None. None too when the version's columns
        do not all have a plain storage type (``ROW_COPY_TYPES``)."""
        copy = self.request_copy(hot, ROWS)
        return copy.rows if copy is not None else None

    def _build_rows(self, hot: HotVersion, structure: Structure) -> None:
        con = self.database().cursor()
        try:
            with self._build_lock:
                table = con.execute(
                    f"SELECT * FROM {quote(hot.main.table)} ORDER BY {quote(hot.id_column)}"
                ).to_arrow_table()
            table = table.combine_chunks()  # one chunk per column: a slice is then O(1)
            structure.rows = table
            structure.bytes = int(table.nbytes)
        except Exception:
            log.exception("hot: could not build the row copy of version %s", hot.key[0])
            structure.failed = True
        finally:
            con.close()
            structure.last_used = time.monotonic()
            structure.ready.set()
        self._enforce_budget()

    # -- memory

    def _enforce_budget(self) -> None:
        _mode, budget = config()
        with self._lock:
            structures = []
            for hot in self._versions.values():
                if hot.main.ready.is_set():
                    structures.append((hot.main.last_used, hot, None))
                for kind, s in hot.copies.items():
                    if s.ready.is_set():
                        structures.append((s.last_used, hot, kind))
            total = sum(
                (hot.main.bytes if kind is None else hot.copies[kind].bytes)
                for _, hot, kind in structures
            )
            # Copies go first (the main table is what everything else needs), oldest first.
            structures.sort(key=lambda item: (item[2] is None, item[0]))
            for _, hot, kind in structures:
                if total <= budget:
                    break
                if kind is None:
                    total -= hot.main.bytes + sum(s.bytes for s in hot.copies.values())
                    hot.evicted = True
                    self._versions.pop(hot.key, None)
                    if hot.refs == 0:
                        self._drop_all(hot)
                elif hot.refs == 0:
                    structure = hot.copies.pop(kind)
                    total -= structure.bytes
                    self._drop_structure(structure)

    def _drop_all(self, hot: HotVersion) -> None:
        for structure in hot.copies.values():
            self._drop_structure(structure)
        hot.copies.clear()
        self._drop(hot.main.table)

    def _drop_structure(self, structure: Structure) -> None:
        if structure.rows is not None:  # a row copy: nothing in DuckDB
            structure.rows = None
            return
        for table in (structure.table, *structure.extra_tables):
            self._drop(table)

    def _drop(self, table: str) -> None:
        try:
            self.database().execute(f"DROP TABLE IF EXISTS {quote(table)}")
        except duckdb.Error:  # pragma: no cover - best effort
            log.exception("hot: could not drop %s", table)

    def stats(self) -> list[dict]:
        """What is loaded, for the back-office and the benchmark."""
        with self._lock:
            return [
                {
                    "version": hot.key[0],
                    "rows": hot.row_count,
                    "ready": hot.is_ready,
                    "bytes": hot.main.bytes,
                    "copies": {"/".join(map(str, kind)): s.bytes for kind, s in hot.copies.items()},
                    "counts": len(hot.counts),
                }
                for hot in self._versions.values()
            ]


def version_key(version) -> tuple:
    return (version.pk, version.parquet_checksum)


_store = HotStore()


def store() -> HotStore:
    return _store
