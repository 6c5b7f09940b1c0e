"""The serving files a web process reads: one small in-memory DuckDB per process, to which each
version's serving file (``lake.engine.serving``, built at ingestion) is attached read-only.

Nothing is copied or warmed up: a query on a version reads its file's blocks through DuckDB's
buffer pool (bounded by ``TERRITOIRE_RECORDS_MEMORY_MB`` per process; what spills goes to a
directory of the process under ``TERRITOIRE_HOME/tmp``; an export gets a database of its own,
``export_connection``), and the operating
system's page cache shares the file between every process (and the rows file beside it, read
in place, that answers a record by id). A process also remembers, within a budget
(``TERRITOIRE_RECORDS_PAGES_MB``), the rows of the small pages it read: the same query on the
same version gives the same rows. A process keeps up to
``TERRITOIRE_RECORDS_ATTACHED`` files attached (least recently used detached first, never while
a query uses it) and remembers, per attached version, results that never change: counts and
facets (a version is immutable).

A version without a serving file (written before serving files existed, or while its build is
pending) is read from its Parquet file: the worker builds the missing files, never a request.
"""

# ruff: noqa: S608 -- SQL here is quoted aliases of our own and quoted paths of the lake.

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from django.conf import settings

from territoire.core.duckdb import quote_identifier as quote
from territoire.core.duckdb import quote_literal
from territoire.lake.engine import rowfile
from territoire.lake.engine import serving as building

from . import engine

log = logging.getLogger(__name__)

MEMO_SIZE = 512  # results (counts, facets) remembered per attached version
PAGE_ROWS = 101  # pages remembered: up to 100 rows (and the one that says there are more)


def enabled() -> bool:
    return bool(getattr(settings, "TERRITOIRE_RECORDS_SERVING", True))


def spill_root() -> Path:
    return Path(settings.TERRITOIRE_HOME) / "tmp"


def spill_dir(pid: int) -> Path:
    """Where the process ``pid`` spills sorts and groups past its memory limit."""
    return spill_root() / f"records-{pid}"


@contextmanager
def export_connection(
    timezone: str, attached: Attached | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database of its own for one export, while the block runs, with ``attached``'s
    serving file attached read-only under the same alias (its structures keep their names).

    An export sorts or formats a whole version: with the process's pool it competed with every
    page and with the other exports of the process (three CSV exports of the 1M-row benchmark
    table sorted on a text column, at once in one worker: one 500 and one answer cut short with
    the 128-MB pool). Its own database has ``TERRITOIRE_EXPORT_MEMORY_MB`` and
    ``TERRITOIRE_EXPORT_THREADS`` and spills past them into a directory of its own (two
    databases spilling into one directory overwrite each other's files: DuckDB crashed the
    process); at most ``TERRITOIRE_EXPORT_SLOTS`` exports run on the machine, so exports
    together hold at most slots × that memory, and the process's pool serves the pages alone.
    Opening one costs a few milliseconds."""
    root = spill_dir(os.getpid())
    root.mkdir(parents=True, exist_ok=True)
    spill = Path(tempfile.mkdtemp(prefix="export-", dir=root))
    try:
        con = engine.connect(
            timezone=timezone,
            memory_mb=int(getattr(settings, "TERRITOIRE_EXPORT_MEMORY_MB", 128)),
            threads=int(getattr(settings, "TERRITOIRE_EXPORT_THREADS", 2)),
            spill=spill,
        )
        try:
            if attached is not None:
                con.execute(
                    f"ATTACH {quote_literal(str(attached.path))} AS {quote(attached.alias)} "
                    "(READ_ONLY)"
                )
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


@dataclass(eq=False)
class Attached:
    """A serving file attached to the process's database."""

    path: Path
    alias: str
    manifest: dict
    refs: int = 0
    memo: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rows: rowfile.RowFile | None = None  # the version's rows by number, open

    def table(self, name: str) -> str:
        return f"{quote(self.alias)}.{quote(name)}"

    def row(self, number: int) -> tuple | None:
        """Row ``number`` (0-based) of ``records`` from the rows file, or None without one."""
        return self.rows.get(number) if self.rows is not None else None

    def recall(self, key):
        """A result remembered for this version (a count, facets), or None."""
        with self.lock:
            value = self.memo.get(key)
            if value is not None:
                self.memo.move_to_end(key)
            return value

    def remember(self, key, value) -> None:
        with self.lock:
            self.memo[key] = value
            if len(self.memo) > MEMO_SIZE:
                self.memo.popitem(last=False)


class Store:
    """The process's database and the serving files attached to it."""

    def __init__(self):
        self._lock = threading.RLock()
        self._db: duckdb.DuckDBPyConnection | None = None
        self._pid: int | None = None
        self._attached: OrderedDict[tuple, Attached] = OrderedDict()
        self._local = threading.local()
        self._pages: OrderedDict[tuple, tuple[list, int]] = OrderedDict()
        self._pages_bytes = 0

    # -- connections

    def database(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._db is None or self._pid != os.getpid():  # a forked child opens its own
                self._open()
            assert self._db is not None
            return self._db

    def _open(self) -> None:
        pid = os.getpid()
        spill = spill_dir(pid)
        spill.mkdir(parents=True, exist_ok=True)
        memory = int(getattr(settings, "TERRITOIRE_RECORDS_MEMORY_MB", 64))
        db = duckdb.connect(":memory:")
        db.execute(f"SET memory_limit = '{memory}MB'")
        db.execute("SET temp_directory = ?", [str(spill)])
        db.execute("SET preserve_insertion_order = true")
        self._db, self._pid = db, pid
        self._attached.clear()
        self._local = threading.local()
        self._pages.clear()
        self._pages_bytes = 0

    def cursor(self, timezone: str) -> duckdb.DuckDBPyConnection:
        """This thread's connection, in ``timezone`` (reused: cheap)."""
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

    def preattach(self, paths: list[Path], seconds: float) -> int:
        """Attach these serving files (up to the attached limit) so that the first request on
        them does not (a process start; ``seconds`` bounds it). The number attached.

        Every table's metadata is loaded (an empty read: DuckDB loads it on a table's first read,
        about 3 ms); the first rows of ``records`` (what a first page reads: about 2.5 MB of
        blocks for 10 columns) only while the process's buffer pool is less than half full: the
        start fills at most half of ``TERRITOIRE_RECORDS_MEMORY_MB``, never the whole pool of
        every worker with blocks no request may ask for."""
        deadline = time.monotonic() + seconds
        limit = max(int(getattr(settings, "TERRITOIRE_RECORDS_ATTACHED", 64)), 1)
        budget = int(getattr(settings, "TERRITOIRE_RECORDS_MEMORY_MB", 64)) * 1024 * 1024 // 2
        done = 0
        con = self.cursor(engine.DEFAULT_TIMEZONE)
        for path in paths[:limit]:
            if time.monotonic() > deadline:
                break
            with self.use(path) as attached:
                if attached is None:
                    continue
                rows = _buffered(con) < budget
                for table in _tables(attached.manifest):
                    if time.monotonic() > deadline:
                        break
                    first = 1 if rows and table == "records" else 0
                    con.execute(f"SELECT * FROM {attached.table(table)} LIMIT {first}").fetchall()
                done += 1
        return done

    # -- pages

    def page_recall(self, attached: Attached, key: tuple) -> list | None:
        """The rows of a page already read on this version (the same query, the same rows: a
        version never changes), or None."""
        with self._lock:
            found = self._pages.get((attached.alias, *key))
            if found is None:
                return None
            self._pages.move_to_end((attached.alias, *key))
            return found[0]

    def page_remember(self, attached: Attached, key: tuple, rows: list) -> None:
        """Remember a page's rows within the process's budget (``TERRITOIRE_RECORDS_PAGES_MB``),
        the least recently used forgotten first."""
        budget = int(getattr(settings, "TERRITOIRE_RECORDS_PAGES_MB", 16)) * 1024 * 1024
        if len(rows) > PAGE_ROWS or budget <= 0:
            return
        size = len(repr(rows)) + len(repr(key))  # about what the values weigh
        if size > budget // 64:
            return
        with self._lock:
            full = (attached.alias, *key)
            old = self._pages.pop(full, None)
            self._pages_bytes -= old[1] if old else 0
            self._pages[full] = (rows, size)
            self._pages_bytes += size
            while self._pages_bytes > budget and self._pages:
                _key, (_rows, dropped) = self._pages.popitem(last=False)
                self._pages_bytes -= dropped

    # -- files

    @contextmanager
    def use(self, path: Path) -> Iterator[Attached | None]:
        """The serving file ``path`` attached while the block runs (never detached meanwhile), or
        None when there is none (or it cannot be read: the Parquet file then answers)."""
        attached = self._attach(path)
        try:
            yield attached
        finally:
            if attached is not None:
                with self._lock:
                    attached.refs -= 1
                self._trim()

    def _attach(self, path: Path) -> Attached | None:
        db = self.database()
        try:
            stat = path.stat()
        except OSError:
            return None
        # A file rebuilt under the same name (``serving build --rebuild``) is another file.
        key = (path, stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            found = self._attached.get(key)
            if found is not None:
                self._attached.move_to_end(key)
                found.refs += 1
                return found
            alias = "v_" + hashlib.sha256(repr(key).encode()).hexdigest()[:16]
            try:
                db.execute(f"ATTACH {quote_literal(str(path))} AS {quote(alias)} (READ_ONLY)")
            except duckdb.Error:
                log.exception("records: cannot attach the serving file %s", path)
                return None
            try:
                row = db.execute(f"SELECT manifest FROM {quote(alias)}._serving").fetchone()
                manifest = json.loads(row[0]) if row else {}
            except (duckdb.Error, ValueError):
                manifest = {}
            if manifest.get("format") != building.FORMAT:
                log.warning("records: %s has no readable manifest: served from Parquet", path)
                db.execute(f"DETACH {quote(alias)}")
                return None
            attached = Attached(path, alias, manifest, refs=1)
            attached.rows = rowfile.open_rows(path, manifest)
            self._attached[key] = attached
            return attached

    def _trim(self) -> None:
        limit = max(int(getattr(settings, "TERRITOIRE_RECORDS_ATTACHED", 64)), 1)
        with self._lock:
            excess = len(self._attached) - limit
            for key, attached in list(self._attached.items()):
                if excess <= 0:
                    break
                if attached.refs == 0:
                    self._detach(key, attached)
                    excess -= 1

    def _detach(self, key: tuple, attached: Attached) -> None:
        self._attached.pop(key, None)
        if attached.rows is not None:
            attached.rows.close()
        try:
            self.database().execute(f"DETACH {quote(attached.alias)}")
        except duckdb.Error:  # pragma: no cover - best effort
            log.exception("records: could not detach %s", attached.path)

    def clear(self) -> None:
        """Detach every file no query uses and forget the pages (tests, benchmarks)."""
        with self._lock:
            self._pages.clear()
            self._pages_bytes = 0
            for key, attached in list(self._attached.items()):
                if attached.refs == 0:
                    self._detach(key, attached)

    def stats(self) -> list[dict]:
        """What is attached, for the benchmark and the tests."""
        with self._lock:
            return [
                {"path": str(a.path), "refs": a.refs, "remembered": len(a.memo)}
                for a in self._attached.values()
            ]

    def close(self) -> None:
        """Close the database and remove this process's spill directory (process exit, tests)."""
        with self._lock:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
                shutil.rmtree(spill_dir(self._pid), ignore_errors=True)
            self._db, self._pid = None, None
            self._attached.clear()


def _buffered(con: duckdb.DuckDBPyConnection) -> int:
    """Bytes of table blocks in the process's buffer pool."""
    found = con.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
    ).fetchone()
    return int(found[0]) if found else 0


def _tables(manifest: dict) -> list[str]:
    """The tables of a serving file, as its manifest names them: the rows first."""
    words = manifest.get("words") or {}
    return [
        "records",
        *(str(s["table"]) for s in manifest.get("sorted") or []),
        *(str(g["table"]) for g in manifest.get("geo") or []),
        *(str(words[k]) for k in ("vocab", "postings") if k in words),
    ]


_store = Store()


def store() -> Store:
    return _store
