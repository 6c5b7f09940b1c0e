"""`territoire ingest`: through call_command and as a real process on a fresh data directory."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from territoire.catalog.models import Dataset
from territoire.lake.models import DatasetVersion
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


def ingest(*args) -> tuple[dict | None, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command("ingest", *[str(a) for a in args], stdout=out, stderr=err)
    except CommandError as exc:
        error = exc
    text = out.getvalue()
    return (json.loads(text) if "--json" in args else None), text + err.getvalue(), error


def test_json_report_and_exit_codes(home, organization, data_officer, budget_csv):
    report, _, error = ingest(
        budget_csv, "--dataset", "budget-2014", "--title", "Budget primitif 2014", "--json"
    )
    assert error is None
    assert report["status"] == "created" and report["version"] == 1 and report["rows"] == 1448
    assert report["dataset"] == "budget-2014"
    types = {c["id"]: c["type"] for c in report["columns"]}
    assert types["exercice"] == "integer" and types["bp"] == "decimal"
    assert report["source_checksum"] and report["errors"] == []
    assert isinstance(report["warnings"], list)
    dataset = Dataset.objects.get(slug="budget-2014")
    assert dataset.title == "Budget primitif 2014" and dataset.publisher == organization
    assert dataset.access_level == "internal" and not dataset.is_published

    again, _, error = ingest(budget_csv, "--dataset", "budget-2014", "--json")
    assert error is None and again["status"] == "unchanged" and again["version"] == 1


def test_failure_exits_non_zero_with_the_errors_in_json(
    home, organization, data_officer, budget_csv, tmp_path, lake_files
):
    ingest(budget_csv, "--dataset", "budget-2014", "--json")
    before = lake_files()
    bad = tmp_path / "binaire.csv"
    bad.write_bytes(bytes(range(256)) * 32)
    report, _, error = ingest(bad, "--dataset", "budget-2014", "--json")
    assert error is not None and "budget-2014" in str(error)
    assert report["status"] == "failed" and report["version"] is None
    assert report["errors"][0]["file"] == "binaire.csv" and report["errors"][0]["message_fr"]
    assert lake_files() == before

    missing, _, error = ingest(tmp_path / "absent.csv", "--dataset", "budget-2014", "--json")
    assert error is not None and missing["status"] == "failed"
    assert "introuvable" in missing["errors"][0]["message_fr"]


def test_human_output_names_types_and_problems(home, organization, data_officer, budget_csv):
    _, text, error = ingest(budget_csv, "--dataset", "budget-2014")
    assert error is None
    assert "Version 1 créée" in text
    assert "bp" in text and "decimal" in text


def test_publish_is_refused_for_personal_data_and_exits_non_zero(
    home, organization, data_officer, defib_csv
):
    report, _, error = ingest(defib_csv, "--dataset", "defibrillateurs", "--publish", "--json")
    assert error is not None
    assert report["status"] == "created" and report["published"] is False
    assert report["errors"][-1]["code"] == "publication_refused"
    assert any(f["column"] == "tel" for f in report["personal_data"])
    assert not Dataset.objects.get(slug="defibrillateurs").is_published


def test_publish_creates_a_public_dataset(home, organization, data_officer, budget_csv):
    report, _, error = ingest(budget_csv, "--dataset", "budget", "--publish", "--json")
    assert error is None and report["published"] is True
    dataset = Dataset.objects.get(slug="budget")
    assert dataset.is_public


def test_acting_account(home, organization, data_officer, steward, service, budget_csv):
    report, _, error = ingest(budget_csv, "--dataset", "budget", "--as", "steward", "--json")
    assert error is None
    dataset = Dataset.objects.get(slug="budget")
    assert dataset.publisher_service == service, "a steward's new dataset belongs to their service"
    assert DatasetVersion.objects.get(dataset=dataset).created_by == steward
    _, _, error = ingest(budget_csv, "--dataset", "budget", "--as", "personne")
    assert error is not None and "personne" in str(error)


def test_without_any_account_the_platform_acts(home, make_dataset, budget_csv, data_officer):
    dataset = make_dataset("Budget")
    data_officer.is_active = False
    data_officer.save()
    report, _, error = ingest(budget_csv, "--dataset", dataset.slug, "--json")
    assert error is None and report["status"] == "created"
    event = AuditEvent.objects.filter(
        object_type="catalog.dataset", object_id=str(dataset.pk), action="update"
    ).latest("id")
    assert event.actor is None and event.actor_repr == "système"

    report, _, error = ingest(budget_csv, "--dataset", "nouveau", "--json")
    assert error is not None and "createsuperuser" in report["errors"][0]["message_fr"]
    assert not Dataset.objects.filter(slug="nouveau").exists()


def test_real_process_on_a_fresh_data_directory(tmp_path, budget_csv):
    """`territoire ingest` as users run it: SQLite in TERRITOIRE_HOME, migrate first."""
    territoire = Path(sys.executable).parent / "territoire"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TASKS_BACKEND"}
    }
    env.update(TERRITOIRE_HOME=str(tmp_path / "home"), SECRET_KEY="x" * 50)
    (tmp_path / "home").mkdir()

    def run(*args):
        return subprocess.run(
            [str(territoire), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    assert run("migrate", "--noinput").returncode == 0
    setup = run(
        "shell",
        "-c",
        (
            "from territoire.accounts.models import User; from territoire.organizations.models import Organization;"
            "User.objects.create(username='admin', role='data_officer');"
            "Organization.objects.create(name='Ville de Montpellier', slug='montpellier')"
        ),
    )
    assert setup.returncode == 0, setup.stderr

    done = run("ingest", str(budget_csv), "--dataset", "budget-2014", "--publish", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "created" and report["rows"] == 1448 and report["published"] is True
    assert (tmp_path / "home" / "lake" / "budget-2014").is_dir()

    bad = tmp_path / "vide.csv"
    bad.write_bytes(b"")
    failed = run("ingest", str(bad), "--dataset", "budget-2014", "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["status"] == "failed"
    assert "Traceback" not in failed.stderr and "budget-2014" in failed.stderr


def test_json_report_masks_flagged_columns(home, organization, data_officer, delibs_csv):
    report, _, error = ingest(delibs_csv, "--dataset", "deliberations", "--json")
    assert error is None and report["status"] == "created"
    stats = {c["id"]: c["stats"] for c in report["columns"]}
    assert stats["elu_s"]["min"] == "A••• D••• L••• G•••"
    assert all("•••" in example for example in stats["elu_s"]["examples"])
    stored = {c["id"]: c["stats"] for c in DatasetVersion.objects.get().columns}
    assert stored["elu_s"]["min"] == "Audrey DE LA GRANGE", "the version keeps the data itself"
    assert stats["titre"] == stored["titre"]
