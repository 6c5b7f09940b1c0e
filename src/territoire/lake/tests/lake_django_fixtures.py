"""Fixtures shared by the lake's Django-layer tests (imported by test_versions, test_ingest_service,
test_cli, test_api_uploads, test_backoffice)."""

from __future__ import annotations

import http.server
import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

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
    """lake_files(): every file and directory under home/lake, relative, to compare before and
    after; the ingestion lock files (``.locks/<slug>.lock``, empty between runs) are not data."""

    def files() -> set[str]:
        root = home / "lake"
        if not root.exists():
            return set()
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.relative_to(root).parts[0] != ".locks"
        }

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
def http_dir(tmp_path, settings):
    """A directory served on 127.0.0.1 by http.server in a thread; yields (directory, base URL).
    URL sources may reach that host (TERRITOIRE_FETCH_ALLOWED_HOSTS): it stands for a server on
    the Internet."""
    settings.TERRITOIRE_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
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


class SharedDatabase:
    """The test's database, opened by child processes too (for tests that kill an ingestion or
    run two at once). PostgreSQL: the children connect to the test database itself. SQLite: the
    test database lives in memory, which no other process can open, so ``share()`` copies it to
    ``TERRITOIRE_HOME/territoire.sqlite3`` — the file a real installation uses, opened by the
    children with the production settings (WAL, immediate transactions) — and ``take_back()``
    copies it back once they are done; the test writes nothing in between."""

    def __init__(self, home: Path):
        from django.db import connection

        self.home = home
        self.connection = connection
        self.file = home / "territoire.sqlite3"

    @property
    def is_sqlite(self) -> bool:
        return self.connection.vendor == "sqlite"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TASKS_BACKEND"}
        }
        env.update(
            TERRITOIRE_HOME=str(self.home), DJANGO_SETTINGS_MODULE="territoire.settings.test"
        )
        if not self.is_sqlite:
            db = self.connection.settings_dict
            password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
            env["DATABASE_URL"] = (
                f"postgres://{quote(db['USER'] or '', safe='')}{password}@"
                f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
            )
        return env

    def share(self) -> None:
        if self.is_sqlite:
            self.file.unlink(missing_ok=True)
            self.connection.ensure_connection()
            target = sqlite3.connect(self.file)
            try:
                self.connection.connection.backup(target)
            finally:
                target.close()

    def take_back(self) -> None:
        if self.is_sqlite:
            source = sqlite3.connect(self.file)
            try:
                source.backup(self.connection.connection)
            finally:
                source.close()


@pytest.fixture
def shared_database(transactional_db, home) -> SharedDatabase:
    return SharedDatabase(home)
