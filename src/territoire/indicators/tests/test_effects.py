"""Measured effects: difference in differences on synthetic series with a known effect, and
with none; before/after only without a comparison group; the evaluation's service rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.indicators import selectors, services
from territoire.indicators.models import Evaluation
from territoire.trust.models import AuditEvent

YEARS = [str(y) for y in range(2016, 2024)]
TREATED = [f"3410{i}" for i in range(10)]
CONTROL = [f"3420{i}" for i in range(10)]
INTERVENTION = dt.date(2020, 1, 1)


def panel(effect: float, seed: int) -> list[dict]:
    """Each territory its own level, a common trend of +2 a year, noise of sd 1, and
    ``effect`` added to the treated territories from 2020 on."""
    rng = np.random.default_rng(seed)
    rows = []
    for code in TREATED + CONTROL:
        level = rng.normal(50, 10)
        for i, year in enumerate(YEARS):
            value = level + 2 * i + rng.normal(0, 1)
            if code in TREATED and int(year) >= 2020:
                value += effect
            rows.append({"periode": year, "code_territoire": code, "valeur": value})
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_did_recovers_a_known_effect_within_its_interval(seed):
    result = selectors.effect_estimate(panel(5.0, seed), intervention=INTERVENTION,
                                       treated=TREATED, comparison=CONTROL, unit="places")  # fmt: skip
    assert result.errors == "cluster"
    assert result.low < 5.0 < result.high
    assert result.is_significant and abs(result.estimate - 5.0) < 1.0
    assert result.periods_before == YEARS[:4] and result.periods_after == YEARS[4:]
    assert "de plus" in result.fr and "parallèle" in result.fr and "net au seuil" in result.fr
    assert "more" in result.en and "parallel" in result.en


def test_did_finds_no_effect_when_there_is_none():
    """Over 40 synthetic panels without an effect, the 95 % interval holds zero in at least
    36 (a 95 % interval misses now and then: that is what 95 % means)."""
    results = [
        selectors.effect_estimate(
            panel(0.0, seed), intervention=INTERVENTION, treated=TREATED, comparison=CONTROL
        )  # fmt: skip
        for seed in range(100, 140)
    ]
    covering = [r for r in results if r.low < 0.0 < r.high]
    assert len(covering) >= 36
    assert all(not r.is_significant and "on ne peut pas conclure" in r.fr for r in covering)
    assert all(abs(r.estimate) < 1.0 for r in results)


def test_did_interval_covers_the_true_effect_most_of_the_time():
    results = [
        selectors.effect_estimate(
            panel(3.0, seed), intervention=INTERVENTION, treated=TREATED, comparison=CONTROL
        )  # fmt: skip
        for seed in range(200, 240)
    ]
    assert sum(r.low < 3.0 < r.high for r in results) >= 36


def test_two_by_two_did_equals_the_difference_of_differences():
    rows = [
        {"periode": "2019", "code_territoire": "A", "valeur": 10},
        {"periode": "2021", "code_territoire": "A", "valeur": 18},
        {"periode": "2019", "code_territoire": "B", "valeur": 20},
        {"periode": "2021", "code_territoire": "B", "valeur": 23},
        {"periode": "2020", "code_territoire": "A", "valeur": 999},  # straddles: left out
    ]
    result = selectors.effect_estimate(rows, intervention=dt.date(2020, 6, 1),
                                       treated=["A"], comparison=["B"])  # fmt: skip
    assert result.treated.change == 8 and result.comparison.change == 3
    assert result.estimate == pytest.approx(5.0) and result.low is None
    assert "5 de plus" in result.fr and "hasard" in result.fr
    assert any("Une seule période" in c for c in result.caveats_fr)


def test_without_comparison_only_before_and_after():
    rows = [r for r in panel(5.0, 1) if r["code_territoire"] in TREATED]
    result = selectors.effect_estimate(
        rows, intervention=INTERVENTION, treated=TREATED, comparison=[]
    )
    assert result.estimate is None
    assert result.treated.change is not None and "Sans territoire de comparaison" in result.fr


def test_few_territories_fall_back_to_robust_errors_and_say_so():
    keep = TREATED[:3] + CONTROL[:3]
    rows = [r for r in panel(5.0, 1) if r["code_territoire"] in keep]
    result = selectors.effect_estimate(rows, intervention=INTERVENTION, treated=TREATED[:3],
                                       comparison=CONTROL[:3])  # fmt: skip
    assert result.errors == "HC1" and "trop étroit" in result.fr


@pytest.mark.django_db
def test_evaluation_service_rules(delibs, steward, agent, service):
    from territoire.territories.models import Territory

    Territory.objects.create(kind="commune", code="34172", name="Montpellier")
    Territory.objects.create(kind="commune", code="34057", name="Castelnau-le-Lez")
    from .conftest import DELIB_COUNT

    indicator = services.indicator_create(actor=steward, title="Délibérations", publisher_service=service,
                                          definition=DELIB_COUNT)  # fmt: skip
    with pytest.raises(PermissionRefused):
        services.evaluation_create(actor=agent, indicator=indicator, title="X",
                                   intervention_date=dt.date(2013, 12, 1), treated=["34172"])  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        services.evaluation_create(actor=steward, indicator=indicator, title="X",
                                   intervention_date=dt.date(2013, 12, 1), treated=["99999"])  # fmt: skip
    assert caught.value.where == "treated"
    with pytest.raises(ValidationFailed) as caught:
        services.evaluation_create(actor=steward, indicator=indicator, title="X", intervention_date=dt.date(2013, 12, 1),
                                   treated=["34172"], comparison=["34172"])  # fmt: skip
    assert caught.value.where == "comparison"
    assert not Evaluation.objects.exists()
    evaluation = services.evaluation_create(
        actor=steward, indicator=indicator, title="Dématérialisation", intervention_date=dt.date(2013, 12, 1),
        treated="34172", comparison=["34057"],
    )  # fmt: skip
    assert evaluation.treated == ["34172"] and evaluation.slug == "dematerialisation"
    assert AuditEvent.objects.filter(object_id=str(evaluation.pk), action="create").exists()
    services.indicator_compute(actor=steward, indicator=indicator)
    result = selectors.evaluation_assess(steward, evaluation)
    assert result.treated.before == 102 and result.treated.after == 58
    assert result.estimate is None and "Sans territoire de comparaison" in result.fr


def test_diverging_trends_before_the_intervention_are_flagged():
    rows = panel(0.0, 7)
    for row in rows:  # the treated territories already rose 3 a year faster before 2020
        if row["code_territoire"] in TREATED:
            row["valeur"] += 3 * (int(row["periode"]) - 2016)
    result = selectors.effect_estimate(
        rows, intervention=INTERVENTION, treated=TREATED, comparison=CONTROL
    )
    assert any("pas en parallèle" in c for c in result.caveats_fr)
    assert "not moving in parallel" in result.en


def test_parallel_trends_raise_no_such_caveat():
    result = selectors.effect_estimate(panel(5.0, 1), intervention=INTERVENTION, treated=TREATED,
                                       comparison=CONTROL)  # fmt: skip
    assert not any("pas en parallèle" in c for c in result.caveats_fr)
