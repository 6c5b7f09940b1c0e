"""Fixtures shared by the lake's Django-layer tests (imported by test_versions, test_ingest_service,
test_cli, test_api_uploads, test_backoffice)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest


@pytest.fixture
def home(settings, tmp_path) -> Path:
    """An empty TERRITOIRE_HOME for the test: the lake is written under home/lake."""
    path = tmp_path / "home"
    path.mkdir()
    settings.TERRITOIRE_HOME = path
    return path


@pytest.fixture
def city(shared_data) -> Path:
    return shared_data / "city"


@pytest.fixture
def budget_csv(city) -> Path:
    """Montpellier's 2014 budget: Latin-1, `;`, decimal commas with space thousands, padded values."""
    return city / "montpellier-budget-primitif-2014" / "VilleMTP_MTP_BudgetPri_2014.csv"


@pytest.fixture
def defib_csv(city) -> Path:
    """Montpellier's defibrillators: dBase-style headers, phone numbers, decimal-comma coordinates."""
    return city / "montpellier-defibrillateurs" / "VilleMTP_MTP_Defibrillateurs.csv"


@pytest.fixture
def delibs_csv(city) -> Path:
    """Montpellier's council deliberations: UTF-8, `;`, dd/mm/yyyy dates, names of elected members."""
    return city / "montpellier-deliberations" / "VilleMTP_MTP_Delibs.csv"


@pytest.fixture
def lake_files(home):
    """lake_files(): every file and directory under home/lake, relative, to compare before and after."""

    def files() -> set[str]:
        root = home / "lake"
        if not root.exists():
            return set()
        return {str(p.relative_to(root)) for p in root.rglob("*")}

    return files


@pytest.fixture
def audit_count(db):
    """audit_count(): how many audit events exist now."""
    from territoire.trust.models import AuditEvent

    return AuditEvent.objects.count


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_dir(tmp_path):
    """A directory served on 127.0.0.1 by http.server in a thread; yields (directory, base URL)."""
    directory = tmp_path / "served"
    directory.mkdir()

    def handler(*args, **kwargs):
        return _QuietHandler(*args, directory=str(directory), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield directory, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
