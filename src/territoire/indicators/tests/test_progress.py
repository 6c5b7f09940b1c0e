"""The on-track sentence, for both directions, and the targets set through the service."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from territoire.core.errors import ValidationFailed
from territoire.indicators import selectors, services
from territoire.indicators.selectors import progress_assess
from territoire.trust.models import AuditEvent

from .conftest import DELIB_COUNT

BASE = (dt.date(2020, 12, 31), 100.0)
TARGETS = [(dt.date(2030, 12, 31), 200.0)]


@pytest.mark.parametrize(
    ("direction", "value", "status", "fr_start", "en_start"),
    [
        # Higher is better, 100 → 200 over ten years: half way in 2025 calls for 150.
        ("higher", 160.0, "on_track", "En bonne voie : 160 en 2025", "On track: 160 in 2025"),
        ("higher", 140.0, "off_track", "En retard : 140 en 2025", "Behind: 140 in 2025"),
        ("higher", 210.0, "reached", "Cible atteinte : 210 en 2025", "Target reached: 210 in 2025"),
        # Lower is better, 200 → 100: 150 expected in 2025.
        ("lower", 140.0, "on_track", "En bonne voie : 140 en 2025", "On track: 140 in 2025"),
        ("lower", 160.0, "off_track", "En retard : 160 en 2025", "Behind: 160 in 2025"),
        ("lower", 90.0, "reached", "Cible atteinte : 90 en 2025", "Target reached: 90 in 2025"),
    ],
)
def test_sentence_both_directions(direction, value, status, fr_start, en_start):
    baseline, targets = BASE, TARGETS
    if direction == "lower":
        baseline, targets = (BASE[0], 200.0), [(TARGETS[0][0], 100.0)]
    progress = progress_assess(
        direction=direction, value=value, period="2025", baseline=baseline, targets=targets
    )
    assert progress.status == status
    assert progress.fr.startswith(fr_start) and progress.en.startswith(en_start)
    if status != "reached":
        assert (
            "demandait 150 à cette date" in progress.fr
            and "called for 150 at that date" in progress.en
        )


def test_sentence_missed_no_target_no_value_and_alerts():
    missed = progress_assess(
        direction="higher", value=150.0, period="2031", baseline=BASE, targets=TARGETS
    )
    assert missed.status == "off_track"
    assert missed.fr == "Cible manquée : 150 en 2031, la cible était de 200 au 31/12/2030."
    none = progress_assess(direction="lower", value=3.5, period="2024-T2", unit="%")
    assert none.status == "no_target" and none.fr == "Aucune cible n'est fixée pour cet indicateur."
    assert progress_assess(direction="higher", value=None, period="2024").status == "no_value"
    alert = progress_assess(
        direction="lower", value=1234.5, period="2024-03", unit="€", alert_above=1000.0
    )
    assert alert.alert_fr == "Alerte : la valeur dépasse le seuil de 1\u202f000\u00a0€."
    assert alert.alert_en == "Alert: the value is above the threshold of 1,000 €."


@pytest.mark.django_db
def test_targets_set_index_100_and_sentence(delibs, steward, agent, service):
    definition = copy.deepcopy(DELIB_COUNT)
    definition["normalisation"] = {"kind": "index_100", "base_period": "2013-11"}
    indicator = services.indicator_create(
        actor=steward, title="Activité du conseil", publisher_service=service, definition=definition,
        baseline_date=dt.date(2013, 11, 30), baseline_value=100.0, direction="higher",
    )  # fmt: skip
    services.indicator_compute(actor=steward, indicator=indicator)
    rows = selectors.series_read(steward, indicator)
    assert [(r["periode"], round(r["valeur"], 4)) for r in rows] == [
        ("2013-11", 100.0),
        ("2013-12", round(5800 / 102, 4)),
    ]
    with pytest.raises(ValidationFailed):
        services.indicator_targets_set(actor=steward, indicator=indicator,
                                       targets=[(dt.date(2014, 12, 31), 120.0), (dt.date(2014, 12, 31), 130.0)])  # fmt: skip
    assert not indicator.targets.exists()
    from territoire.core.errors import PermissionRefused

    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        services.indicator_targets_set(
            actor=agent, indicator=indicator, targets=[(dt.date(2014, 12, 31), 120.0)]
        )
    assert not indicator.targets.exists() and AuditEvent.objects.count() == events
    services.indicator_targets_set(
        actor=steward, indicator=indicator, targets=[(dt.date(2014, 12, 31), 120.0)]
    )
    assert AuditEvent.objects.count() == events + 1
    latest = rows[-1]
    progress = progress_assess(
        direction=indicator.direction, value=latest["valeur"], period=latest["periode"],
        baseline=(indicator.baseline_date, indicator.baseline_value),
        targets=[(t.date, t.value) for t in selectors.indicator_targets(indicator)],
    )  # fmt: skip
    assert progress.status == "off_track" and progress.fr.startswith("En retard : 56,86 en 2013-12")
