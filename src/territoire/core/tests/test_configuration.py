"""Bad environment values stop start-up with one clear line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from territoire.conftest import REPO_ROOT

CASES = [
    ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
    ({"DEBUG": "peut-être"}, "DEBUG"),
    ({"SECRET_KEY": "court"}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"EMAIL_PORT": "vingt-cinq"}, "EMAIL_PORT"),
    ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
]


def _run(env_changes: dict, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TERRITOIRE_DEMO"}
    }
    env.update(
        {
            "TERRITOIRE_HOME": str(tmp_path),
            "SECRET_KEY": "x" * 50,
            "PYTHONPATH": str(REPO_ROOT / "src"),
        }
    )
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-m", "territoire.cli", *(args or ("check",))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("changes,variable", CASES)
def test_bad_value_gives_one_line_naming_the_variable(tmp_path, changes, variable):
    result = _run(changes, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and "Traceback" not in result.stderr


def test_good_configuration_passes_checks(tmp_path):
    result = _run({}, tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_home_that_is_a_file_is_refused(tmp_path):
    home = tmp_path / "fichier"
    home.write_text("x")
    result = _run({"TERRITOIRE_HOME": str(home)}, tmp_path)
    assert result.returncode == 2 and "TERRITOIRE_HOME" in result.stderr
