"""The documented limits hold across web processes: `territoire serve` with 4 gunicorn workers,
hit by concurrent clients, on each store (the database — SQLite, or PostgreSQL when the suite runs
on it — and Redis). Before the counters left per-process memory, 18 of 30 wrong passwords were
checked (limit: 5) and the API served 4 × its limit."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests

from territoire.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.database  # the servers use the suite's database (a scratch copy)

TERRITOIRE = Path(sys.executable).parent / "territoire"
PASSWORD = "le bon mot de passe du relais 2024"
STRANGER, OWNER, VISITOR, READER = "203.0.113.66", "198.51.100.9", "203.0.113.88", "203.0.113.77"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path, env: dict):
        self.home, self.env = home, env
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(TERRITOIRE), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(TERRITOIRE), "serve", "--port", str(self.port), "--workers", "4"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.home / "serve.log").open("wb"),
        )
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                answered = requests.get(self.url + "/api/v1/status", timeout=5).status_code
            except requests.ConnectionError:
                answered = None
            if answered == 200 and len(children.read_text().split()) == 4:
                break  # the 4 gunicorn workers are up
            time.sleep(0.2)
        else:
            raise AssertionError("territoire serve did not start its 4 workers")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)

    def audit_count(self, action: str) -> int:
        out = self.run(
            "shell",
            "--verbosity=0",
            "-c",
            "from territoire.trust.models import AuditEvent;"
            f"print(AuditEvent.objects.filter(action={action!r}).count())",
        )
        return int(out.strip())


def _scratch_postgres(url: str, name: str) -> str:
    """A database of its own beside the suite's, for the server's processes."""
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="module", params=["database", "redis"])
def server(request, tmp_path_factory):
    home = tmp_path_factory.mktemp(f"serve-{request.param}")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "TERRITOIRE_DEMO"}
    }
    env.update(
        TERRITOIRE_HOME=str(home),
        SECRET_KEY="k" * 50,
        # the test client is the proxy: its X-Forwarded-For tells the clients apart
        TERRITOIRE_TRUSTED_PROXIES="127.0.0.1",
        TERRITOIRE_LOGIN_ATTEMPTS="5",
        TERRITOIRE_API_RATE="10/3600",
        # signing in counts as a costly page too: above the 31 sign-ins of the stranger
        TERRITOIRE_PORTAL_RATE="40/3600",
    )
    suite_database = os.environ.get("DATABASE_URL", "")
    scratch = None
    if request.param == "redis":
        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
        env["REDIS_URL"] = TEST_REDIS_URL
    elif suite_database.startswith("postgres"):
        scratch = f"{urlsplit(suite_database).path.lstrip('/')}_processes"
        env["DATABASE_URL"] = _scratch_postgres(suite_database, scratch)
    app = Server(home, env)
    app.run("migrate", "--noinput")
    app.run(
        "shell",
        "-c",
        "from territoire.accounts.models import User;"
        f"u = User(username='relais', role='steward'); u.set_password({PASSWORD!r}); u.save()",
    )
    app.start()
    yield app
    app.stop()
    if request.param == "redis":
        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    if scratch:
        with psycopg.connect(suite_database, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _login_form(server, address: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    page = session.get(server.url + "/connexion/", timeout=60)
    return session, CSRF.search(page.text).group(1)


def _login(server, session, token, password):
    return session.post(
        server.url + "/connexion/",
        {"username": "relais", "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=300,
    )


def test_thirty_concurrent_wrong_passwords_check_five(server):
    forms = [_login_form(server, STRANGER) for _ in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda f: _login(server, *f, "pas le bon"), forms))
    assert [a.status_code for a in answers] == [200] * 30
    refused = [a for a in answers if "Trop de tentatives" in a.text]
    assert len(refused) == 25
    assert server.audit_count("login_failed") == 5  # five passwords checked, no more

    # the right password from the stranger's address is locked out too…
    assert "Trop de tentatives" in _login(server, *_login_form(server, STRANGER), PASSWORD).text
    # …but the account's owner, from their own address, signs in
    signed_in = _login(server, *_login_form(server, OWNER), PASSWORD)
    assert signed_in.status_code == 302
    assert server.audit_count("login") == 1


def test_the_api_limit_holds_across_workers(server):
    def get(_):
        return requests.get(
            server.url + "/api/v1/territories",
            headers={"X-Forwarded-For": READER},
            timeout=120,
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = sorted(r.status_code for r in pool.map(get, range(40)))
    assert codes == [200] * 10 + [429] * 30
    # another address has its own quota
    other = requests.get(
        server.url + "/api/v1/territories", headers={"X-Forwarded-For": OWNER}, timeout=60
    )
    assert other.status_code == 200


def test_costly_portal_pages_are_throttled_apart_from_the_api(server):
    def get(_):
        return requests.get(
            server.url + "/jeux-de-donnees/",
            params={"q": "budget"},
            headers={"X-Forwarded-For": VISITOR, "Accept-Language": "en"},
            timeout=120,
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(get, range(50)))
    assert sorted(a.status_code for a in answers) == [200] * 40 + [429] * 10
    limited = next(a for a in answers if a.status_code == 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert '<html lang="en">' in limited.text and "Too many requests" in limited.text
    # the portal's pages spent none of the API's quota for that address
    api = requests.get(
        server.url + "/api/v1/territories", headers={"X-Forwarded-For": VISITOR}, timeout=60
    )
    assert api.status_code == 200
