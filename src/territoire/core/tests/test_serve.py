"""`territoire serve` as a user runs it: gunicorn's workers, forked from the command's process
(where Django and DuckDB are loaded), read a dataset, then stop cleanly when the server is told
to: before, every worker ended with SIGABRT ("terminate called without an active exception")."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from territoire.core.management.commands import serve

TERRITOIRE = Path(sys.executable).parent / "territoire"
CSV = "code,commune,montant\n" + "".join(
    f"{n:05d},Commune {n % 7},{n * 1.5}\n" for n in range(1, 301)
)

ACCOUNT = (
    "from territoire.accounts.models import User\n"
    "from territoire.organizations.models import Organization\n"
    "Organization.objects.create(name='Métropole', slug='metropole', siren='243400017')\n"
    "User.objects.create(username='officer', role='data_officer', email='o@example.fr')\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_workers_read_a_dataset_then_stop_cleanly(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "TERRITOIRE_DEMO"}
    }
    env.update(TERRITOIRE_HOME=str(tmp_path / "home"), SECRET_KEY="s" * 50, DEBUG="0")
    source = tmp_path / "montants.csv"
    source.write_text(CSV, encoding="utf-8")
    for args in (
        ["migrate", "--noinput"],
        ["shell", "-c", ACCOUNT],
        ["ingest", str(source), "--dataset", "montants", "--publish"],
    ):
        done = subprocess.run(
            [str(TERRITOIRE), *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as errors:
        server = subprocess.Popen(
            [str(TERRITOIRE), "serve", "--port", str(port), "--workers", "2", "--no-collectstatic"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            deadline, answer = time.monotonic() + 120, None
            while time.monotonic() < deadline:
                try:
                    answer = requests.get(
                        f"http://127.0.0.1:{port}/api/v1/datasets/montants/records/7", timeout=10
                    )
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            assert answer is not None and answer.status_code == 200, answer
            assert answer.json()["code"] == "00007"
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
            while len(children.read_text().split()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)  # both workers booted and warmed (territoire.wsgi)
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert code == 0, text[-2000:]
    assert text.count("Worker exiting") == 2, text[-2000:]
    assert "SIGABRT" not in text and "terminate called" not in text, text[-2000:]
    assert "was sent SIG" not in text and "Shutting down: Master" in text, text[-2000:]


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 2), (3, 3), (4, 4), (16, 4)])
def test_the_default_is_a_worker_per_core_the_process_may_use_at_most_four(
    monkeypatch, cores, workers
):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert serve.default_workers() == workers


def test_what_a_worker_holds_is_kept_out_of_the_collectors_reach():
    """Before each fork (the master's objects) and after a worker's warm-up (its own), every
    object alive is frozen: a worker's collections neither walk them (a full collection took
    80–120 ms) nor write to the pages it shares with the master."""
    gc.unfreeze()
    try:
        serve._freeze(None, None)
        assert gc.get_freeze_count() > 10_000
        gc.unfreeze()
        serve._worker_ready(SimpleNamespace(tpool=None))  # sync workers: no threads to warm
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
