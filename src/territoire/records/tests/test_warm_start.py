"""A web process's start (territoire.wsgi): the serving files of the versions served now are
attached before the first request, what a first read compiles is compiled by one read of the
newest version through the application, and every request thread of gunicorn's pool opens its
connections before its first request."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from territoire.catalog import services as catalog_services
from territoire.lake import services
from territoire.lake.engine import serving as building
from territoire.records import serving
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_process_start_attaches_the_served_versions_and_reads_the_newest_once(
    home, make_dataset, steward, data_officer, budget_csv, delibs_csv, fresh_serving_store
):
    from territoire import wsgi  # here: importing it warms the process (reads the database)

    paths = []
    for title, source in (("Délibérations", delibs_csv), ("Budget", budget_csv)):
        dataset = make_dataset(title)
        report = services.dataset_ingest(actor=steward, dataset=dataset, source=source)
        assert report.status == "created", report.errors
        dataset.lake.refresh_from_db()
        version = dataset.lake.current_version
        paths.append(str(building.serving_path(home / "lake" / version.path)))
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    serving.store().clear()
    audited = AuditEvent.objects.count()
    wsgi._attach_current()
    assert sorted(s["path"] for s in serving.store().stats()) == sorted(paths)
    # The warm-up's reads of the published dataset: through the API, nothing audited, the page
    # remembered (the read really ran), its connection closed.
    assert AuditEvent.objects.count() == audited
    assert serving.store()._pages


def test_every_request_thread_opens_its_connections_before_its_first_request():
    from territoire import wsgi  # here: importing it warms the process (reads the database)

    pool = ThreadPoolExecutor(max_workers=3)
    opened = []
    original = wsgi.threading.Barrier

    class Watched(original):
        def wait(self, *args, **kwargs):
            opened.append((threading.get_ident(), connection.connection is not None))
            return super().wait(*args, **kwargs)

    wsgi.threading.Barrier = Watched
    try:
        wsgi.warm_threads(pool, 3)
    finally:
        wsgi.threading.Barrier = original
        pool.shutdown()
    assert len({ident for ident, _ in opened}) == 3  # three threads, each its own
    assert all(has_connection for _, has_connection in opened)
