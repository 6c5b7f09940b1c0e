"""The WSGI application (``territoire serve`` loads it in every gunicorn worker, after the fork).

What every first request would otherwise pay is done here, once per process, before the worker
accepts connections: the URL map, the ODSQL parser's tables, the process's DuckDB database that
serving files are attached to (records.serving), the thread of the queries' time limits, the
serving files of the versions datasets serve now (attached, up to ``TERRITOIRE_RECORDS_ATTACHED``
and for at most a second: their blocks stay in the page cache the processes share, nothing is
copied). ``territoire serve`` then calls :func:`warm_threads` in each worker: every request
thread opens its connections before the first request needs them.
"""

import io
import logging
import os
import sys
import threading
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
application = get_wsgi_application()

# Imported once the application is built: the apps must be loaded first (E402). This module is
# the top layer, named by gunicorn: it may import every app.
from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connection, connections  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from territoire.lake.engine.serving import serving_path  # noqa: E402
from territoire.lake.selectors import current_version_paths, newest_public_slug  # noqa: E402
from territoire.records import engine, serving  # noqa: E402
from territoire.records.odsql import parser  # noqa: E402
from territoire.records.watchdog import watchdog  # noqa: E402


def _warm() -> None:
    _compile_patterns(get_resolver())  # imports every view module, compiles every URL pattern
    parser.parse("where", 'a = "b" and c > 1')  # builds the parser's tables
    engine.is_timezone("Europe/Paris")  # reads the list of time zones (14 ms)
    serving.store().database()
    watchdog.start()  # the time limits' thread
    try:
        _attach_current()
    except Exception:  # a warm-up only: the first requests attach what they read
        logging.getLogger(__name__).warning("Serving files not attached at start", exc_info=True)


def _attach_current() -> None:
    limit = int(getattr(settings, "TERRITOIRE_RECORDS_ATTACHED", 64))
    try:
        paths, slug = current_version_paths(limit), newest_public_slug()
    except DatabaseError:  # not migrated yet: nothing to attach
        paths, slug = [], None
    finally:
        connections.close_all()  # this thread serves no request
    lake = Path(settings.TERRITOIRE_HOME) / "lake"
    serving.store().preattach([serving_path(lake / p) for p in paths], seconds=1.0)
    if slug:
        # One page and one record of the newest public version through the application itself:
        # what a first read compiles once per process (the dataset lookups' SQL, the models'
        # relation graph, the query parser's patterns) is compiled now. Anyone's read: nothing
        # is audited. The page has a filter: a page without one is read from the rows file, and
        # the warm-up is for the path of a query.
        for path, query in (
            (f"/api/v1/datasets/{slug}/records", "limit=1&where=_id%20%3C%3D%201"),
            (f"/api/v1/datasets/{slug}/records/1", ""),
        ):
            _request(path, query)
        connections.close_all()


def _request(path: str, query: str) -> None:
    """A GET through the application, as the site's own host (no invalid-host warning) and over
    HTTPS when the site redirects to it."""
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"]
    host = hosts[0] if hosts else "127.0.0.1"
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if settings.SECURE_SSL_REDIRECT else "80",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "https" if settings.SECURE_SSL_REDIRECT else "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    if settings.SECURE_SSL_REDIRECT and settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        environ[header] = value
    try:
        response = application(environ, lambda status, headers, exc_info=None: None)
        for _chunk in response:
            pass
        getattr(response, "close", lambda: None)()
    except Exception:  # a warm-up only
        logging.getLogger(__name__).warning("Warm-up request %s failed", path, exc_info=True)


def warm_threads(pool, count: int) -> None:
    """In each of the ``count`` request threads of ``pool`` (gunicorn's), open what a thread's
    first request would: its connection to the app database, with a first query (SQLite reads
    the schema then: about 10 ms), and its DuckDB connection. The tasks wait for each other, so
    that the pool starts all its threads."""
    barrier = threading.Barrier(count, timeout=10)

    def one() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM django_content_type")
            serving.store().cursor(engine.DEFAULT_TIMEZONE).execute("SELECT 42").fetchall()
        finally:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass

    for future in [pool.submit(one) for _ in range(count)]:
        try:
            future.result(timeout=15)
        except Exception:  # a warm-up only: the request will open what failed here
            logging.getLogger(__name__).warning("A request thread was not warmed", exc_info=True)


def _compile_patterns(resolver) -> None:
    """Django compiles a URL pattern's regular expression the first time a path is matched
    against it (about 10 ms of a first request): every one of them now."""
    for entry in resolver.url_patterns:
        entry.pattern.regex  # noqa: B018 - compiled on first access
        if hasattr(entry, "url_patterns"):
            _compile_patterns(entry)


_warm()
