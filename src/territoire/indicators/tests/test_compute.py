"""Series computed from real files, stored as lake versions with their provenance, served by
the records engine; recomputed when a source gets a new version; errors keep the last series."""

from __future__ import annotations

import copy
from collections import defaultdict

import pytest

from territoire.indicators import selectors, services
from territoire.indicators.models import IndicatorRun
from territoire.lake.models import DatasetVersion

from .conftest import BUDGET, DELIB_COUNT, DELIBS, PARKINGS, PLACES, delib_months, read_csv

pytestmark = pytest.mark.django_db


def _parking_places() -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in read_csv(PARKINGS, "utf-8-sig"):
        totals[row["Code INSEE"]] += int(row["Places"] or 0)
    return dict(totals)


def test_count_by_month_for_one_territory(delibs, steward, service):
    indicator = services.indicator_create(
        actor=steward, title="Délibérations du conseil", publisher_service=service,
        definition=DELIB_COUNT, unit="délibérations",
    )  # fmt: skip
    run = services.indicator_compute(actor=steward, indicator=indicator)
    assert run.status == "created" and run.series_version == 1, run.error
    rows = selectors.series_read(steward, indicator)
    assert {r["periode"]: r["valeur"] for r in rows} == dict(
        delib_months()
    )  # 2013-11: 102, 2013-12: 58
    version = DatasetVersion.objects.get(dataset=indicator.series, number=1)
    source = DatasetVersion.objects.get(dataset=delibs, number=1)
    assert {
        (r["source"], r["source_version"], r["source_version_id"], r["version_definition"])
        for r in rows
    } == {("deliberations", 1, source.pk, 1)}
    assert run.source_versions == {"deliberations": {"version": 1, "id": source.pk}}
    assert version.row_count == 2
    indicator.refresh_from_db()
    assert indicator.state == "ok" and indicator.access_level == "internal"


def test_share_rate_and_quarter(delibs, steward, service):
    share = copy.deepcopy(DELIB_COUNT)
    share["measure"] = {
        "kind": "share",
        "share_filters": [
            {"column": "direction", "op": "=", "value": "Direction Finances et Contrôle de Gestion"}
        ],
    }
    share["period"]["truncate"] = "quarter"
    indicator = services.indicator_create(actor=steward, title="Part des finances", publisher_service=service,
                                          definition=share)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    rows = selectors.series_read(steward, indicator)
    finance = [
        r
        for r in read_csv(DELIBS, "utf-8")
        if r["Direction"] == "Direction Finances et Contrôle de Gestion"
    ]
    assert len(finance) == 18
    assert [(r["periode"], r["code_territoire"]) for r in rows] == [("2013-T4", "34172")]
    assert rows[0]["valeur"] == pytest.approx(100 * len(finance) / 160, abs=1e-4)


def test_sum_by_commune_per_10000_inhabitants(parkings, nantes, steward, service):
    from territoire.territories.models import Territory

    definition = {**PLACES, "normalisation": {"kind": "per_10000"}}
    indicator = services.indicator_create(actor=steward, title="Places pour 10 000 habitants",
                                          publisher_service=service, definition=definition,
                                          access_level="public")  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    rows = {r["code_territoire"]: r for r in selectors.series_read(steward, indicator)}
    expected = _parking_places()
    assert {code: r["valeur_brute"] for code, r in rows.items()} == pytest.approx(expected)
    nantes_city = Territory.objects.get(kind="commune", code="44109")
    row = rows["44109"]
    assert row["territoire"] == "Nantes" and row["population"] == nantes_city.population
    assert row["valeur"] == pytest.approx(
        expected["44109"] * 10000 / nantes_city.population, rel=1e-6
    )
    assert indicator.access_level == "public"  # the source is public


def test_share_of_total_and_missing_population(parkings, steward, service):
    # No COG loaded: no population, so per-inhabitant values are null, not a crash.
    per_head = services.indicator_create(actor=steward, title="Par habitant", publisher_service=service,
                                         definition={**PLACES, "normalisation": {"kind": "per_inhabitant"}})  # fmt: skip
    services.indicator_compute(actor=steward, indicator=per_head)
    rows = selectors.series_read(steward, per_head)
    assert rows and all(r["valeur"] is None and r["valeur_brute"] for r in rows)
    shares = services.indicator_create(actor=steward, title="Part", publisher_service=service,
                                       definition={**PLACES, "normalisation": {"kind": "share_of_total"}})  # fmt: skip
    services.indicator_compute(actor=steward, indicator=shares)
    rows = selectors.series_read(steward, shares)
    expected = _parking_places()
    total = sum(expected.values())
    assert {r["code_territoire"]: r["valeur"] for r in rows} == pytest.approx(
        {code: 100 * n / total for code, n in expected.items()}, rel=1e-5
    )


def test_budget_sum_by_integer_year_per_inhabitant(
    make_dataset, ingest, montpellier, steward, service
):
    from territoire.territories.models import Territory

    budget = make_dataset("Budget primitif 2014", slug="budget")
    ingest(budget, BUDGET)
    definition = {
        "dataset": "budget",
        "measure": {"kind": "sum", "column": "bp"},
        "filters": [{"column": "d_r", "op": "=", "value": "D"}],
        "period": {"column": "exercice", "truncate": "year"},
        "territory": {"code": "34172"},
        "normalisation": {"kind": "per_inhabitant"},
    }
    indicator = services.indicator_create(actor=steward, title="Dépenses par habitant", publisher_service=service,
                                          definition=definition, unit="€", direction="lower")  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    [row] = selectors.series_read(steward, indicator)
    amounts = [r[" BP "].replace("\u00a0", "").replace(" ", "").replace(",", ".")
               for r in read_csv(BUDGET, "latin-1") if r["D_R"] == "D"]  # fmt: skip
    spent = sum(float(a) for a in amounts if a not in ("", "-"))
    population = Territory.objects.get(kind="commune", code="34172").population
    assert row["periode"] == "2014" and row["territoire"] == "Montpellier"
    assert row["valeur_brute"] == pytest.approx(spent, rel=1e-9)
    assert row["valeur"] == pytest.approx(spent / population, rel=1e-6)


def test_new_definition_new_series_version_old_one_readable(delibs, steward, service):
    indicator = services.indicator_create(actor=steward, title="Délibérations", publisher_service=service,
                                          definition=DELIB_COUNT)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    yearly = copy.deepcopy(DELIB_COUNT)
    yearly["period"]["truncate"] = "year"
    services.indicator_update(actor=steward, indicator=indicator, definition=yearly)
    assert indicator.definition_version == 2
    run = services.indicator_compute(actor=steward, indicator=indicator)
    assert run.series_version == 2 and run.definition_version == 2
    assert [
        (r["periode"], r["valeur"], r["version_definition"])
        for r in selectors.series_read(steward, indicator)
    ] == [("2013", 160, 2)]
    old = selectors.series_read(steward, indicator, version=1)
    assert {r["periode"] for r in old} == {"2013-11", "2013-12"} and {
        r["version_definition"] for r in old
    } == {1}
    again = services.indicator_compute(actor=steward, indicator=indicator)
    assert again.status == "unchanged" and again.series_version == 2


def test_new_source_version_recomputes(delibs, steward, service, data_officer, ingest, tmp_path,
                                       django_capture_on_commit_callbacks):  # fmt: skip
    indicator = services.indicator_create(actor=steward, title="Délibérations", publisher_service=service,
                                          definition=DELIB_COUNT)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    from .conftest import DELIBS

    lines = DELIBS.read_bytes().splitlines(keepends=True)
    shorter = tmp_path / "delibs-novembre.csv"
    shorter.write_bytes(b"".join(lines[:11]))  # the header and 10 deliberations of 25/11/2013
    with django_capture_on_commit_callbacks(execute=True):
        ingest(delibs, shorter)
    run = IndicatorRun.objects.filter(indicator=indicator).first()
    assert run.trigger == "version 2 de deliberations" and run.status == "created"
    assert run.source_versions["deliberations"]["version"] == 2
    rows = selectors.series_read(steward, indicator)
    assert [(r["periode"], r["valeur"], r["source_version"]) for r in rows] == [("2013-11", 10, 2)]


def test_broken_source_marks_error_and_keeps_last_series(delibs, steward, service, ingest, tmp_path,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    indicator = services.indicator_create(actor=steward, title="Délibérations", publisher_service=service,
                                          definition=DELIB_COUNT)  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    other = tmp_path / "autre.csv"
    other.write_text("titre;seance\nUn vœu;2014-01-27\n", encoding="utf-8")  # no date_cm column
    with django_capture_on_commit_callbacks(execute=True):
        ingest(delibs, other)
    indicator.refresh_from_db()
    assert indicator.state == "error" and indicator.error["where"] == "period.column"
    assert "la colonne « date_cm » n'existe pas" in indicator.error["fr"]
    assert "column 'date_cm' does not exist" in indicator.error["en"]
    assert len(selectors.series_read(steward, indicator)) == 2  # the last good series serves


def test_cli_computes(delibs, steward, service):
    from django.core.management import call_command

    indicator = services.indicator_create(actor=steward, title="Délibérations", publisher_service=service,
                                          definition=DELIB_COUNT)  # fmt: skip
    call_command("indicators", "compute", indicator.slug)
    assert IndicatorRun.objects.get(indicator=indicator).status == "created"
    assert len(selectors.series_read(steward, indicator)) == 2


def test_the_steward_named_follows_the_datasets_rule(delibs, steward, service, other_service):
    """One rule for datasets and indicators (accounts.permissions.may_steward): a member of the
    owner service or a data officer; an agent of another service is refused, nothing changes."""
    from territoire.accounts.models import Membership, User
    from territoire.core.errors import TerritoireError

    outsider = User.objects.create(username="agent-ailleurs", role="agent", email="a@example.fr")
    Membership.objects.create(user=outsider, service=other_service, role="member")
    indicator = services.indicator_create(
        actor=steward, title="Délibérations", publisher_service=service, definition=DELIB_COUNT,
        steward=steward,
    )  # fmt: skip
    with pytest.raises(TerritoireError) as refused:
        services.indicator_update(actor=steward, indicator=indicator, steward=outsider)
    assert refused.value.where == "steward"
    indicator.refresh_from_db()
    assert indicator.steward == steward
