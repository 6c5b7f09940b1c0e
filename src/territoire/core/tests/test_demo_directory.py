"""Any `territoire` command run on a data directory that `make demo` built works without further
settings (../shared/ARCHITECTURE.md, stable interfaces) — and a data directory the demo did not
build still needs its SECRET_KEY. Through the real console script, as a newcomer types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from territoire.settings.env import DEMO_MARKER_NAME

TERRITOIRE = Path(sys.executable).parent / "territoire"
DEMO_FILE = (
    Path(__file__).resolve().parents[2]
    / "demo"
    / "data"
    / "montpellier-defibrillateurs"
    / "VilleMTP_MTP_Defibrillateurs.csv"
)


def _run(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """A shell with none of the suite's settings: no SECRET_KEY, no DATABASE_URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "TERRITOIRE_DEMO", "DEBUG"}
    }
    env.update(TERRITOIRE_HOME=str(home), **extra)
    return subprocess.run(
        [str(TERRITOIRE), *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    built = _run(home, "demo", "--no-serve", TERRITOIRE_DEMO="1")  # what `make demo` runs
    assert built.returncode == 0, built.stderr
    return home


def test_ingest_on_the_demo_data_directory_needs_no_setting(demo_home):
    assert (demo_home / DEMO_MARKER_NAME).is_file()
    done = _run(demo_home, "ingest", str(DEMO_FILE), "--dataset", "essai-defibrillateurs", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "created" and report["rows"] > 0
    # the command used the demo's own key, the one its sessions were signed with
    same = _run(
        demo_home,
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings;"
        f"print(settings.SECRET_KEY == open({str(demo_home / 'secret_key')!r}).read().strip())",
    )
    assert same.stdout.strip() == "True", same.stderr


def test_other_commands_work_too(demo_home):
    assert _run(demo_home, "check").returncode == 0
    listed = _run(demo_home, "tokens", "list")
    assert listed.returncode == 0, listed.stderr


def test_a_data_directory_the_demo_did_not_build_still_needs_a_key(tmp_path, demo_home):
    refused = _run(tmp_path, "check")
    assert refused.returncode == 2 and "SECRET_KEY is required" in refused.stderr
    assert not (tmp_path / "secret_key").exists()
    # a copy of the demo's key beside it does not make a directory the demo's
    (tmp_path / "secret_key").write_text((demo_home / "secret_key").read_text())
    refused = _run(tmp_path, "check")
    assert refused.returncode == 2 and "SECRET_KEY is required" in refused.stderr
