"""Untrusted files are read in a child process with memory and time limits.

A file is whatever its sender made it: a 300-byte zipped Shapefile of zeros crashes GDAL
(segmentation fault in DuckDB ``spatial``), a 789-byte ODS asks for gigabytes. So
:func:`~territoire.lake.engine.stage.stage` forks: the child reads the file, infers the types,
writes the typed Parquet (a file the parent then places) and sends back the report — never the
rows. It then stays alive, holding the DuckDB table ``raw``, and answers the parent's queries on
it (schema validation, personal-data scan) through :class:`ChildConnection` until ``close()``:
those queries run on untrusted content too, and nothing is copied.

Limits (:class:`~territoire.lake.engine.model.Limits`): ``RLIMIT_AS`` lets the child's address
space grow by ``memory_mb`` beyond what it inherits (DuckDB also keeps its own memory limit and
spills to the work directory); the parent stops the child after ``seconds`` of wall-clock time,
and ``RLIMIT_CPU`` (``seconds`` × cores) stops it even if the parent cannot; no core file is
written; the child dies with its parent (``PR_SET_PDEATHSIG``). A child that crashes or passes
a limit fails that ingestion only, with a report saying so; the parent removes what it left.

Why ``fork``: it costs ~10 ms and shares the already imported engine, where a fresh
interpreter (``spawn``, or a ``forkserver`` in a one-shot ``territoire ingest``) costs
0.3–0.5 s to import DuckDB and the engine — a quarter of the 1 M-row budget. The child only
runs engine code on a new DuckDB database, ends with ``os._exit`` (no finaliser touches the
parent's sockets) and does not use any connection it inherited.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing
import os
import resource
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path

import duckdb

from .issues import IngestError, Issue, error
from .model import IngestOptions, StagedTable

_PR_SET_PDEATHSIG = 1


@dataclass
class Job:
    source: Path
    scratch: Path
    parquet_path: Path
    options: IngestOptions
    label: str


def run(job: Job, body: Callable[[Job], StagedTable]) -> StagedTable:
    """``body(job)`` in a child process; its StagedTable, with ``con`` proxied to the child."""
    limits = job.options.limits
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe()
    process = context.Process(
        target=_child, args=(child_end, job, body), name="territoire-reader", daemon=True
    )
    deadline = time.monotonic() + limits.seconds
    process.start()
    child_end.close()
    connection = ChildConnection(parent_end, process, deadline, job)
    try:
        kind, payload = connection.receive()
    except BaseException:
        connection.close()
        _remove(job)
        raise
    if kind == "error":
        connection.close()
        _remove(job)
        raise IngestError([Issue(**issue) for issue in payload])
    return replace(payload, con=connection, scratch_dir=job.scratch)


def _child(conn: Connection, job: Job, body: Callable[[Job], StagedTable]) -> None:
    _limit_self(job.options.limits)
    try:
        staged = body(job)
    except IngestError as exc:
        conn.send(("error", [i.as_dict() for i in exc.issues]))
        return
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        conn.send(("error", [_crash_issue(job, type(exc).__name__).as_dict()]))
        return
    con = staged.con
    conn.send(("staged", replace(staged, con=None, scratch_dir=None)))
    _serve(conn, con)


def _limit_self(limits) -> None:
    faulthandler.disable()  # a crash here is reported by the parent, not dumped on stderr
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = limits.seconds * max(1, os.cpu_count() or 1)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    inherited = _address_space()
    if inherited is not None:
        with contextlib.suppress(ValueError, OSError):
            limit = inherited + limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _serve(conn: Connection, con) -> None:
    """Answer the parent's queries on the staged connection until it closes or goes away."""
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        op, args = request
        if op == "close":
            break
        try:
            if op == "execute":
                con.execute(*args)
                answer = None
            elif op == "executemany":
                con.executemany(*args)
                answer = None
            elif op == "description":
                answer = con.description
            else:  # fetchone, fetchall, fetchmany
                answer = getattr(con, op)(*args)
            conn.send(("ok", answer))
        except duckdb.Error as exc:
            conn.send(("duckdb", (type(exc).__name__, str(exc))))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    with contextlib.suppress(Exception):
        con.close()
    conn.close()


class ChildConnection:
    """The parent's side of the staged DuckDB connection that lives in the reading process.

    Mirrors the DuckDB methods the platform uses on a staged table: ``execute`` (returns
    itself), ``executemany``, ``fetchone``, ``fetchall``, ``fetchmany``, ``description``,
    ``close``. Results are small (aggregates, samples); rows stay in the child.
    """

    def __init__(self, conn: Connection, process, deadline: float, job: Job):
        self._conn = conn
        self._process = process
        self._deadline = deadline
        self._job = job
        self._closed = False

    def receive(self):
        remaining = self._deadline - time.monotonic()
        ready = wait([self._conn, self._process.sentinel], timeout=max(0.0, remaining))
        if self._conn in ready:
            try:
                return self._conn.recv()
            except (EOFError, OSError):
                pass
        self._stop()
        raise IngestError([self._failure_issue(timed_out=not ready)])

    def _call(self, op: str, *args):
        if self._closed:
            raise duckdb.ConnectionException("Connection already closed")
        try:
            self._conn.send((op, args))
        except (BrokenPipeError, OSError):
            self._stop()
            raise IngestError([self._failure_issue(timed_out=False)]) from None
        kind, payload = self.receive()
        if kind == "duckdb":
            name, message = payload
            exc_type = getattr(duckdb, name, duckdb.Error)
            if not (isinstance(exc_type, type) and issubclass(exc_type, duckdb.Error)):
                exc_type = duckdb.Error
            raise exc_type(message)
        if kind == "failed":
            raise RuntimeError(payload)
        return payload

    def execute(self, query: str, parameters=None):
        self._call("execute", query, *([parameters] if parameters is not None else []))
        return self

    def executemany(self, query: str, parameters=None):
        self._call("executemany", query, *([parameters] if parameters is not None else []))
        return self

    def fetchone(self):
        return self._call("fetchone")

    def fetchall(self):
        return self._call("fetchall")

    def fetchmany(self, size: int = 1):
        return self._call("fetchmany", size)

    @property
    def description(self):
        return self._call("description")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(("close", ()))
        self._process.join(timeout=10)
        self._stop()
        self._conn.close()

    def _stop(self) -> None:
        self._closed = True
        if self._process.is_alive():
            self._process.kill()
        self._process.join()

    def _failure_issue(self, *, timed_out: bool) -> Issue:
        if timed_out:
            return _time_issue(self._job)
        code = self._process.exitcode
        if code is not None and -code == getattr(signal, "SIGXCPU", None):
            return _time_issue(self._job)
        if code is not None and code < 0:
            return _crash_issue(self._job, signal.Signals(-code).name)
        return _crash_issue(self._job, f"code {code}")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _crash_issue(job: Job, how: str) -> Issue:
    memory = job.options.limits.memory_mb
    fr, en = "Le fichier est probablement malformé.", "The file is probably malformed."
    if how in ("SIGKILL", "SIGABRT", "MemoryError"):
        fr = f"Le fichier est probablement malformé, ou sa lecture demandait plus de {memory} Mo."
        en = f"The file is probably malformed, or reading it needed more than {memory} MB."
    return error(
        "reader_crashed",
        f"Le fichier n'a pas pu être lu : le lecteur s'est arrêté ({how}). {fr}",
        f"The file could not be read: the reader stopped ({how}). {en}",
        file=job.label,
        hint_fr="Ouvrez le fichier dans l'outil qui l'a produit et exportez-le de nouveau ; si "
        "le problème persiste, signalez ce fichier aux administrateurs de la plateforme.",
        hint_en="Open the file in the tool that produced it and export it again; if the "
        "problem persists, report this file to the platform administrators.",
    )


def _time_issue(job: Job) -> Issue:
    seconds = job.options.limits.seconds
    return error(
        "time_limit",
        f"Lecture interrompue : le fichier a demandé plus de {seconds} secondes.",
        f"Reading stopped: the file took more than {seconds} seconds.",
        file=job.label,
        hint_fr="Découpez le fichier, ou demandez à un administrateur de relever la limite "
        "(TERRITOIRE_INGEST_SECONDS).",
        hint_en="Split the file, or ask an administrator to raise the limit "
        "(TERRITOIRE_INGEST_SECONDS).",
    )


def _remove(job: Job) -> None:
    shutil.rmtree(job.scratch, ignore_errors=True)
    job.parquet_path.unlink(missing_ok=True)
