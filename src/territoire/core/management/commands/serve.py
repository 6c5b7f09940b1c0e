"""Serve the platform with gunicorn (static files by whitenoise). `territoire serve --host --port`."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def _warm_threads(worker) -> None:
    """After a worker loaded the app: its request threads open their connections
    (``territoire.wsgi.warm_threads``, named as gunicorn names the app: the layer above)."""
    from gunicorn.util import import_app

    if getattr(worker, "tpool", None) is not None:
        import_app("territoire.wsgi:warm_threads")(worker.tpool, worker.cfg.threads)


def _worker_ready(worker) -> None:
    """gunicorn's call once a worker loaded the app, before it takes a request: its threads are
    warmed, then every object alive is moved out of the garbage collector's reach
    (``gc.freeze``), as the master's are before the fork (``_freeze``)."""
    _warm_threads(worker)
    gc.collect()
    gc.freeze()


def _freeze(server, worker) -> None:
    """Before the master forks a worker: the objects it holds (Django and every app, loaded by
    the command) are moved out of the garbage collector's reach, so that the worker's
    collections never touch them (no copy of the pages they share with the master, and no
    traversal of them: a full collection of a worker took 80–120 ms)."""
    gc.freeze()


def _leave(arbiter, worker) -> None:
    """gunicorn's last call in a worker that stops: the process ends here, with the exit status
    gunicorn gave it, and skips the interpreter's finalisation. The worker was forked from this
    command's process, where DuckDB is loaded; it inherits DuckDB's state but not its threads,
    and DuckDB's destructors then ended every stopping worker with SIGABRT ("terminate called
    without an active exception") or left it hanging until gunicorn killed it. Ingestion's
    reading process ends the same way (lake.engine.isolation)."""
    pending = sys.exc_info()[1]
    code = pending.code if isinstance(pending, SystemExit) else 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def default_workers() -> int:
    """One worker per core this process may run on, at most 4; each has 4 request threads.
    Measured on 2 cores (bench/RESULTS.md, 2026-12-05): 2 workers against 4 answered the same
    throughput (1,196 against 1,191 lookups/s, 804 against 755 filtered pages/s) with faster
    warm medians (each worker sees twice the requests: its memos and DuckDB's buffers are
    warmer), faster first requests after a restart (fewer workers booting beside the first
    answer) and 862 MB resident against 1,445."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = multiprocessing.cpu_count()
    return max(1, min(4, cores))


class Command(BaseCommand):
    help = "Serve Territoire over HTTP with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_collectstatic: bool,
        **options,
    ):
        from gunicorn.app.base import BaseApplication

        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 120)
                self.cfg.set("pre_fork", _freeze)
                self.cfg.set("post_worker_init", _worker_ready)
                self.cfg.set("worker_exit", _leave)

            def load(self):
                # Imported when gunicorn loads the application in each worker process, after
                # the fork, as gunicorn's BaseApplication expects; the module builds the WSGI
                # app and warms what every first request would pay (territoire/wsgi.py).
                from gunicorn.util import import_app

                return import_app("territoire.wsgi:application")

        self.stdout.write(f"Territoire sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
        Server().run()
