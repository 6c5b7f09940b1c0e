"""A forced type that the file's values do not fit fails that ingestion once, then is removed
(audited) so that the next upload is not refused for the same reason (issue 11)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from territoire.lake import services
from territoire.lake.models import DatasetLake
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def test_failed_override_is_released_and_the_next_upload_succeeds(
    home, make_dataset, steward, budget_csv
):
    dataset = make_dataset()
    assert services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv).version == 1
    services.dataset_set_type_overrides(
        actor=steward,
        dataset=dataset,
        overrides={"libelle_fonction": "integer", "exercice": "text"},
    )
    events = AuditEvent.objects.count()
    report = services.dataset_reingest(actor=steward, dataset=dataset)
    assert report.status == "failed"
    assert [e["code"] for e in report.errors] == ["override_mismatch"]
    released = next(w for w in report.warnings if w["code"] == "type_override_released")
    assert "Libellé fonction" in released["message_fr"] and released["message_en"]
    # only the override that failed is gone, and the change is audited
    assert DatasetLake.objects.get(dataset=dataset).type_overrides == {"exercice": "text"}
    assert AuditEvent.objects.count() == events + 1
    # the next upload is typed from its content, with the override that fits
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert report.status == "created" and report.version == 2
    types = {c["id"]: c["type"] for c in report.columns}
    assert types["libelle_fonction"] == "text" and types["exercice"] == "text"


def test_settings_set_the_reading_limits(settings, home, make_dataset, steward, budget_csv):
    settings.TERRITOIRE_INGEST_MAX_COLUMNS = 5  # the budget has 7
    dataset = make_dataset()
    report = services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert report.status == "failed"
    assert report.errors[0]["code"] == "too_many_columns"
    assert "7 colonnes ; la limite est de 5" in report.errors[0]["message_fr"]
    assert not list((home / "lake").rglob("*.parquet"))


def test_cli_prints_a_failed_override_once(home, organization, data_officer, budget_csv):
    call_command("ingest", str(budget_csv), "--dataset", "budget", stdout=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    dataset = DatasetLake.objects.get(dataset__slug="budget").dataset
    services.dataset_set_type_overrides(
        actor=data_officer, dataset=dataset, overrides={"libelle_fonction": "integer"}
    )
    with pytest.raises(CommandError) as failed:
        call_command("ingest", str(budget_csv), "--dataset", "budget", stdout=out, stderr=err)
    text = out.getvalue() + err.getvalue() + str(failed.value)
    assert text.count("ne s'y prêtent pas") == 1
