"""Measured effects: an indicator's series before and after an intervention, in the treated
territories against comparison territories, and the difference-in-differences estimate.

The estimate is the coefficient of « treated × after » in an ordinary least squares regression
with one fixed effect per territory and one per period (the two-way fixed-effects form; with
two groups and two periods it is exactly (after − before) of the treated minus (after −
before) of the comparison group), fitted with statsmodels. Its standard error is
cluster-robust by territory when there are enough territories to cluster on (at least
``MIN_CLUSTERS``), else heteroskedasticity-robust (HC1) — and the sentence then says the
interval is optimistic. Periods that straddle the intervention date are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .progress import number_en, number_fr, period_end

MIN_CLUSTERS = 10
LEVEL = 0.95


@dataclass
class GroupMeans:
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class EffectResult:
    treated: GroupMeans
    comparison: GroupMeans
    periods_before: list[str]
    periods_after: list[str]
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    errors: str = ""  # "cluster" or "HC1"
    observations: int = 0
    fr: str = ""
    en: str = ""
    caveats_fr: list[str] = field(default_factory=list)
    caveats_en: list[str] = field(default_factory=list)

    @property
    def is_significant(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def period_start(label: str) -> dt.date | None:
    """The first day of a period label: 2024, 2024-T2, 2024-03."""
    end = period_end(label)
    if end is None:
        return None
    if len(label) == 4:
        return dt.date(end.year, 1, 1)
    if "-T" in label:
        return dt.date(end.year, end.month - 2, 1)
    return dt.date(end.year, end.month, 1)


def _ols():
    """statsmodels' ordinary least squares."""
    # Imported on first use: statsmodels takes 1.2–1.6 s to import, and every `territoire`
    # process (ingest, serve, worker) imports this module through the admin's autodiscovery.
    from statsmodels.regression.linear_model import OLS

    return OLS


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def effect_estimate(
    rows: list[dict],
    *,
    intervention: dt.date,
    treated: list[str],
    comparison: list[str],
    unit: str = "",
) -> EffectResult:
    """``rows``: the series (``periode``, ``code_territoire``, ``valeur``)."""
    treated_set, comparison_set = set(treated), set(comparison)
    data = []  # (territory, period, after, is_treated, value)
    for row in rows:
        code, label, value = (
            row.get("code_territoire"),
            str(row.get("periode") or ""),
            row.get("valeur"),
        )
        if value is None or (code not in treated_set and code not in comparison_set):
            continue
        start, end = period_start(label), period_end(label)
        if start is None or end is None or start < intervention <= end:
            continue  # the period of the intervention is neither before nor after
        data.append((code, label, start >= intervention, code in treated_set, float(value)))
    before = sorted({d[1] for d in data if not d[2]})
    after = sorted({d[1] for d in data if d[2]})

    def means(is_treated: bool) -> GroupMeans:
        return GroupMeans(
            _mean([d[4] for d in data if d[3] == is_treated and not d[2]]),
            _mean([d[4] for d in data if d[3] == is_treated and d[2]]),
        )

    result = EffectResult(means(True), means(False), before, after, observations=len(data))
    caveats_fr, caveats_en = result.caveats_fr, result.caveats_en
    if not comparison_set or result.comparison.change is None:
        caveats_fr.append("Sans territoire de comparaison, seule l'évolution avant/après est "
                          "montrée : elle peut tenir à bien d'autres causes que le projet.")  # fmt: skip
        caveats_en.append("Without comparison territories only the before/after change is "
                          "shown: it may have many causes besides the project.")  # fmt: skip
    if not before or not after or result.treated.change is None:
        caveats_fr.append(
            "Il faut des valeurs avant et après l'intervention pour mesurer un effet."
        )
        caveats_en.append(
            "Values before and after the intervention are needed to measure an effect."
        )
        _sentences(result, intervention, unit)
        return result
    if len(before) < 2 and comparison_set:
        caveats_fr.append("Une seule période avant l'intervention : on ne peut pas vérifier que "
                          "les deux groupes évoluaient en parallèle auparavant.")  # fmt: skip
        caveats_en.append("Only one period before the intervention: whether both groups moved "
                          "in parallel beforehand cannot be checked.")  # fmt: skip
    if result.comparison.change is not None:
        _pretrend(result, data, unit)
        _regress(result, data)
        if result.errors == "HC1":
            caveats_fr.append(f"Moins de {MIN_CLUSTERS} territoires : l'intervalle de confiance, "
                              "qui ne tient pas compte des corrélations dans le temps au sein d'un "
                              "territoire, est sans doute trop étroit.")  # fmt: skip
            caveats_en.append(f"Fewer than {MIN_CLUSTERS} territories: the confidence interval, "
                              "which ignores correlation over time within a territory, is "
                              "probably too narrow.")  # fmt: skip
    _sentences(result, intervention, unit)
    return result


def _pretrend(result: EffectResult, data: list[tuple], unit: str) -> None:
    """Before the intervention, did both groups move in parallel? The gap between their
    linear trends (treated × period rank, with territory and period fixed effects) over the
    periods before; a clear gap (5 % level) goes into the caveats."""
    before = [d for d in data if not d[2]]
    periods = sorted({d[1] for d in before})
    territories = sorted({d[0] for d in before})
    if len(periods) < 3 or len({d[3] for d in before}) < 2:
        return
    rank = {p: i for i, p in enumerate(periods)}
    t_index = {t: i for i, t in enumerate(territories)}
    columns = 1 + (len(territories) - 1) + (len(periods) - 1) + 1
    if len(before) <= columns:
        return
    x = np.zeros((len(before), columns))
    y = np.array([d[4] for d in before])
    for row, (code, label, _after, is_treated, _value) in enumerate(before):
        x[row, 0] = 1.0
        if t_index[code]:
            x[row, t_index[code]] = 1.0
        if rank[label]:
            x[row, len(territories) - 1 + rank[label]] = 1.0
        x[row, -1] = rank[label] if is_treated else 0.0
    fitted = _ols()(y, x).fit(cov_type="HC1", use_t=True)
    gap, p_value = float(fitted.params[-1]), float(fitted.pvalues[-1])
    if p_value < 0.05:
        result.caveats_fr.append(
            f"Avant l'intervention, les deux groupes n'évoluaient déjà pas en parallèle (écart "
            f"de tendance de {number_fr(gap, unit)} par période) : l'effet estimé est à prendre "
            "avec prudence."
        )
        result.caveats_en.append(
            f"Before the intervention the two groups were already not moving in parallel (a "
            f"trend gap of {number_en(gap, unit)} per period): the estimated effect is to be "
            "taken with caution."
        )


def _regress(result: EffectResult, data: list[tuple]) -> None:
    territories = sorted({d[0] for d in data})
    periods = sorted({d[1] for d in data})
    t_index = {t: i for i, t in enumerate(territories)}
    p_index = {p: i for i, p in enumerate(periods)}
    n = len(data)
    # constant, territories but the first, periods but the first, treated × after
    columns = 1 + (len(territories) - 1) + (len(periods) - 1) + 1
    x = np.zeros((n, columns))
    y = np.empty(n)
    groups = np.empty(n, dtype=int)
    for row, (code, label, after, is_treated, value) in enumerate(data):
        x[row, 0] = 1.0
        if t_index[code]:
            x[row, t_index[code]] = 1.0
        if p_index[label]:
            x[row, len(territories) - 1 + p_index[label]] = 1.0
        x[row, -1] = 1.0 if (after and is_treated) else 0.0
        y[row] = value
        groups[row] = t_index[code]
    if n <= columns:
        # The point estimate is still the difference of the two changes; no interval.
        result.estimate = (result.treated.change or 0.0) - (result.comparison.change or 0.0)
        result.caveats_fr.append("Trop peu de valeurs pour estimer un intervalle de confiance : "
                                 "l'écart peut tenir au hasard.")  # fmt: skip
        result.caveats_en.append("Too few values to estimate a confidence interval: the gap "
                                 "may be chance.")  # fmt: skip
        return
    model = _ols()(y, x)
    if len(territories) >= MIN_CLUSTERS:
        # t with G − 1 degrees of freedom: the usual small-number-of-clusters correction
        fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        result.errors = "cluster"
    else:
        fitted = model.fit(cov_type="HC1", use_t=True)
        result.errors = "HC1"
    low, high = fitted.conf_int(alpha=1 - LEVEL)[-1]
    result.estimate = float(fitted.params[-1])
    result.low, result.high = float(low), float(high)
    result.p_value = float(fitted.pvalues[-1])


def _sentences(result: EffectResult, intervention: dt.date, unit: str) -> None:
    day_fr, day_en = intervention.strftime("%d/%m/%Y"), intervention.isoformat()
    caveats_fr = " ".join(result.caveats_fr)
    caveats_en = " ".join(result.caveats_en)
    if result.estimate is None:
        change = result.treated.change
        if change is None:
            result.fr = (
                f"L'effet de l'intervention du {day_fr} ne peut pas être mesuré. {caveats_fr}"
            )
            result.en = (
                f"The effect of the intervention of {day_en} cannot be measured. {caveats_en}"
            )
        else:
            result.fr = (f"Dans les territoires concernés, l'indicateur est passé en moyenne de "
                         f"{number_fr(result.treated.before or 0, unit)} avant le {day_fr} à "
                         f"{number_fr(result.treated.after or 0, unit)} après. {caveats_fr}")  # fmt: skip
            result.en = (f"In the treated territories the indicator went on average from "
                         f"{number_en(result.treated.before or 0, unit)} before {day_en} to "
                         f"{number_en(result.treated.after or 0, unit)} after. {caveats_en}")  # fmt: skip
        result.fr, result.en = result.fr.strip(), result.en.strip()
        return
    estimate, low, high = result.estimate, result.low or 0.0, result.high or 0.0
    way_fr = "de plus" if estimate >= 0 else "de moins"
    way_en = "more" if estimate >= 0 else "less"
    pct = int(LEVEL * 100)
    if result.low is None:
        result.fr = (
            f"Après l'intervention du {day_fr}, l'indicateur a évolué de "
            f"{number_fr(abs(estimate), unit)} {way_fr} dans les territoires concernés que dans "
            f"les territoires de comparaison (différence de différences). Cette estimation "
            f"suppose que, sans le projet, les deux groupes auraient évolué en parallèle. "
            f"{caveats_fr}"
        ).strip()
        result.en = (
            f"After the intervention of {day_en}, the indicator changed by "
            f"{number_en(abs(estimate), unit)} {way_en} in the treated territories than in the "
            f"comparison territories (difference in differences). This estimate assumes that, "
            f"without the project, both groups would have moved in parallel. {caveats_en}"
        ).strip()
        return
    if result.is_significant:
        verdict_fr = "L'intervalle ne contient pas zéro : l'effet est net au seuil de 5 %."
        verdict_en = "The interval does not contain zero: the effect is clear at the 5 % level."
    else:
        verdict_fr = "L'intervalle contient zéro : on ne peut pas conclure à un effet."
        verdict_en = "The interval contains zero: no effect can be concluded."
    result.fr = (
        f"Après l'intervention du {day_fr}, l'indicateur a évolué de "
        f"{number_fr(abs(estimate), unit)} {way_fr} dans les territoires concernés que dans les "
        f"territoires de comparaison (différence de différences ; intervalle de confiance à "
        f"{pct} % : de {number_fr(low, unit)} à {number_fr(high, unit)}). {verdict_fr} Cette "
        f"estimation suppose que, sans le projet, les deux groupes auraient évolué en parallèle. "
        f"{caveats_fr}"
    ).strip()
    result.en = (
        f"After the intervention of {day_en}, the indicator changed by "
        f"{number_en(abs(estimate), unit)} {way_en} in the treated territories than in the "
        f"comparison territories (difference in differences; {pct} % confidence interval: "
        f"{number_en(low, unit)} to {number_en(high, unit)}). {verdict_en} This estimate assumes "
        f"that, without the project, both groups would have moved in parallel. {caveats_en}"
    ).strip()
