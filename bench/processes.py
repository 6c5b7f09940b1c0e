"""What the benchmarks that compare stores share: a measurement in a fresh interpreter (Django is
configured once per process) and a scratch PostgreSQL database created and dropped around it."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit


def _run(queue, measure: Callable[..., dict], *args) -> None:
    queue.put(measure(*args))


def in_process(measure: Callable[..., dict], *args) -> dict:
    """``measure(*args)`` in a new interpreter (``measure`` must be a module-level function)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_run, args=(queue, measure, *args))
    process.start()
    row = queue.get()
    process.join()
    return row


def scratch_database(url: str) -> tuple[str, str]:
    """A new empty database on the server of ``url``: its URL and its name."""
    import psycopg

    name = f"territoire_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path="/" + name)), name


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
