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

    from territoire.records import serving
    from territoire.records.odsql import parser
    from territoire.records.watchdog import watchdog

    get_resolver().url_patterns  # noqa: B018 - imports every view module and builds the map
    parser.parse("where", 'a = "b" and c > 1')  # builds the parser's tables
    serving.store().database()
    watchdog.start()  # the time limits' thread


_warm()
