"""The WSGI application (``territoire serve`` loads it in every gunicorn worker, after the fork).

What every first request would otherwise pay is done here, once per process, before the worker
accepts connections: the URL map, the ODSQL parser's tables, the process's DuckDB database that
serving files are attached to (records.serving), the thread of the queries' time limits. Nothing
of the data is read: versions are read from their serving files on demand, through the page
cache the processes share.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
application = get_wsgi_application()


def _warm() -> None:
    # Imported here, after get_wsgi_application(): the apps must be loaded first.
    from django.urls import get_resolver

    from territoire.records import engine, serving
    from territoire.records.odsql import parser
    from territoire.records.watchdog import watchdog

    _compile_patterns(get_resolver())  # imports every view module, compiles every URL pattern
    parser.parse("where", 'a = "b" and c > 1')  # builds the parser's tables
    engine.is_timezone("Europe/Paris")  # reads the list of time zones (14 ms)
    serving.store().database()
    watchdog.start()  # the time limits' thread


def _compile_patterns(resolver) -> None:
    """Django compiles a URL pattern's regular expression the first time a path is matched
    against it (about 10 ms of a first request): every one of them now."""
    for entry in resolver.url_patterns:
        entry.pattern.regex  # noqa: B018 - compiled on first access
        if hasattr(entry, "url_patterns"):
            _compile_patterns(entry)


_warm()
