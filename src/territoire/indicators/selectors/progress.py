"""Whether an indicator is on track, in words: its latest value against the trajectory from its
baseline to its next target, with its direction (higher or lower is better) and its alert
thresholds. French first; the English sentence goes with it."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

ON_TRACK = "on_track"
OFF_TRACK = "off_track"
REACHED = "reached"
NO_TARGET = "no_target"
NO_VALUE = "no_value"


@dataclass(frozen=True)
class Progress:
    status: str  # one of the constants above
    fr: str
    en: str
    alert_fr: str = ""
    alert_en: str = ""


def period_end(label: str) -> dt.date | None:
    """The last day of a period label: 2024 → 31/12/2024, 2024-T1 → 31/03/2024, 2024-03 → 31/03/2024,
    2025-01-05 → 05/01/2025."""
    try:
        if len(label) == 4:
            return dt.date(int(label), 12, 31)
        if len(label) == 10:  # a day: 2025-01-31
            return dt.date.fromisoformat(label)
        year, part = label.split("-")
        month = int(part[1:]) * 3 if part.startswith("T") else int(part)
        return dt.date(int(year), month, calendar.monthrange(int(year), month)[1])
    except (ValueError, IndexError):
        return None


def number_fr(value: float, unit: str = "") -> str:
    """1234.5 → « 1 234,5 » (French digits: narrow no-break space, decimal comma)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    text = text.replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{unit}" if unit else text


def number_en(value: float, unit: str = "") -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def _date_fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def progress_assess(
    *,
    direction: str,
    value: float | None,
    period: str,
    unit: str = "",
    baseline: tuple[dt.date, float] | None = None,
    targets: list[tuple[dt.date, float]] | tuple = (),
    alert_below: float | None = None,
    alert_above: float | None = None,
) -> Progress:
    """The latest ``value`` (of ``period``) against the targets. ``direction``: "higher" or
    "lower" (is better)."""
    if value is None:
        return Progress(
            NO_VALUE, "Aucune valeur n'est encore calculée.", "No value is computed yet."
        )
    alert_fr = alert_en = ""
    if alert_below is not None and value < alert_below:
        alert_fr = f"Alerte : la valeur est sous le seuil de {number_fr(alert_below, unit)}."
        alert_en = f"Alert: the value is below the threshold of {number_en(alert_below, unit)}."
    elif alert_above is not None and value > alert_above:
        alert_fr = f"Alerte : la valeur dépasse le seuil de {number_fr(alert_above, unit)}."
        alert_en = f"Alert: the value is above the threshold of {number_en(alert_above, unit)}."
    now = period_end(period)
    targets = sorted(targets)
    if not targets or now is None:
        return Progress(NO_TARGET, "Aucune cible n'est fixée pour cet indicateur.",
                        "No target is set for this indicator.", alert_fr, alert_en)  # fmt: skip
    coming = [t for t in targets if t[0] >= now]
    target_date, target = coming[0] if coming else targets[-1]
    better = (lambda a, b: a >= b) if direction == "higher" else (lambda a, b: a <= b)
    v_fr, v_en = number_fr(value, unit), number_en(value, unit)
    t_fr, t_en = number_fr(target, unit), number_en(target, unit)
    if better(value, target):
        return Progress(
            REACHED,
            f"Cible atteinte : {v_fr} en {period}, pour une cible de {t_fr} au {_date_fr(target_date)}.",
            f"Target reached: {v_en} in {period}, against a target of {t_en} by {target_date.isoformat()}.",
            alert_fr, alert_en,
        )  # fmt: skip
    if not coming:
        return Progress(
            OFF_TRACK,
            f"Cible manquée : {v_fr} en {period}, la cible était de {t_fr} au {_date_fr(target_date)}.",
            f"Target missed: {v_en} in {period}, the target was {t_en} by {target_date.isoformat()}.",
            alert_fr, alert_en,
        )  # fmt: skip
    expected = None
    if baseline is not None and baseline[0] < target_date:
        start, start_value = baseline
        share = (now - start).days / (target_date - start).days
        expected = start_value + (target - start_value) * min(max(share, 0.0), 1.0)
    if expected is None:
        return Progress(
            OFF_TRACK,
            f"Cible pas encore atteinte : {v_fr} en {period}, pour une cible de {t_fr} au {_date_fr(target_date)}.",
            f"Target not reached yet: {v_en} in {period}, against a target of {t_en} by {target_date.isoformat()}.",
            alert_fr, alert_en,
        )  # fmt: skip
    e_fr, e_en = number_fr(expected, unit), number_en(expected, unit)
    if better(value, expected):
        return Progress(
            ON_TRACK,
            f"En bonne voie : {v_fr} en {period}, la trajectoire vers {t_fr} au {_date_fr(target_date)} "
            f"demandait {e_fr} à cette date.",
            f"On track: {v_en} in {period}; the path to {t_en} by {target_date.isoformat()} called for "
            f"{e_en} at that date.",
            alert_fr, alert_en,
        )  # fmt: skip
    return Progress(
        OFF_TRACK,
        f"En retard : {v_fr} en {period}, la trajectoire vers {t_fr} au {_date_fr(target_date)} "
        f"demandait {e_fr} à cette date.",
        f"Behind: {v_en} in {period}; the path to {t_en} by {target_date.isoformat()} called for "
        f"{e_en} at that date.",
        alert_fr, alert_en,
    )  # fmt: skip
