"""The breakdown by quartier goes through trust.disclosure: an attacker who solves for a hidden
quartier from what is published (the whole territory's counts, the shown quartiers' counts,
non-negativity) cannot pin it down — an independent linear program (SciPy's linprog) tries."""

import datetime

import numpy as np
import pytest
from django.utils import timezone
from scipy.optimize import linprog

from territoire.participation import services
from territoire.participation.results import consultation_results, quartier_protection
from territoire.territories.models import Territory

from .conftest import answers_for


def test_protection_hides_small_quartiers_and_what_would_reveal_them():
    both = quartier_protection({"A": 20, "B": 15}, 11)
    assert both.shown == {"A", "B"} and not both.hidden
    alone = quartier_protection({"A": 20, "B": 3}, 11)
    assert alone.shown == set() and alone.hidden == {"A", "B"}  # B = total − A: A goes too
    three = quartier_protection({"A": 20, "B": 15, "C": 3}, 11)
    assert three.shown == {"A"} and three.hidden == {"B", "C"}
    # 17 answers without a quartier (never published) already protect B
    unknown = quartier_protection({"A": 20, "B": 3, None: 17}, 11)
    assert unknown.shown == {"A"} and unknown.hidden == {"B"}
    few = quartier_protection({"A": 4, "B": 3}, 11)
    assert few.too_few and few.hidden == {"A", "B"} and few.report is None
    assert quartier_protection({"A": 30, "B": 5}, 5).shown == {"A", "B"}  # configurable
    report = three.report.as_dict()
    assert report["primary_count"] == 1 and report["secondary_count"] == 1


def _interval(hidden_total: float, groups: int, which: int) -> tuple[float, float]:
    """min and max of one hidden group's value when only the hidden groups' sum is known."""
    bounds = [(0, None)] * groups
    c = np.zeros(groups)
    c[which] = 1.0
    equal = (np.ones((1, groups)), [hidden_total])
    low = linprog(c, A_eq=equal[0], b_eq=equal[1], bounds=bounds, method="highs")
    high = linprog(-c, A_eq=equal[0], b_eq=equal[1], bounds=bounds, method="highs")
    return low.fun, -high.fun


@pytest.fixture
def quartiers(db):
    return [Territory.objects.create(kind="quartier", code=f"Q{n}", name=f"Quartier {n}")
            for n in (1, 2, 3)]  # fmt: skip


def test_no_hidden_quartier_can_be_solved_for(client, settings, make_participant, consultation,
                                              quartiers, data_officer):  # fmt: skip
    settings.TERRITOIRE_PARTICIPATION_MIN_GROUP = 11
    n = 0
    for quartier, size in zip(quartiers, (14, 12, 3), strict=True):
        for _ in range(size):
            n += 1
            choice = ("Écoles", "Gymnases", "Mairies")[n % 3]
            services.response_submit(actor=make_participant(f"P{n}"), consultation=consultation,
                                     quartier=quartier, answers=answers_for(consultation, q0=choice))  # fmt: skip
    # What the naive rule (hide what is under 11) would have published lets Q3 be solved for:
    naive_shown = {"Q1": 14, "Q2": 12}
    low, high = _interval(n - sum(naive_shown.values()), 1, 0)
    assert low == high == 3
    consultation.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    consultation.save()
    services.results_publish(actor=data_officer, consultation=consultation)
    records = client.get(f"/api/v1/datasets/consultation-{consultation.slug}/records",
                         {"limit": 200}).json()["results"]  # fmt: skip
    first = [r for r in records if r["question"] == 1]
    total = {r["reponse"]: r for r in first if not r["quartier_code"]}
    shown = [r for r in first if r["quartier_code"] and r["nombre"] is not None]
    hidden_codes = sorted({r["quartier_code"] for r in first if r["secret_statistique"]})
    assert hidden_codes == ["Q2", "Q3"] and {r["quartier_code"] for r in shown} == {"Q1"}
    respondents = next(iter(total.values()))["repondants"]
    shown_respondents = sum({r["quartier_code"]: r["repondants"] for r in shown}.values())
    for which in range(len(hidden_codes)):
        low, high = _interval(respondents - shown_respondents, len(hidden_codes), which)
        assert high - low >= 1, hidden_codes[which]
    for answer, row in total.items():  # each answer's count in a hidden quartier too
        rest = row["nombre"] - sum(r["nombre"] for r in shown if r["reponse"] == answer)
        if rest:
            low, high = _interval(rest, len(hidden_codes), 0)
            assert high > low, answer


def test_fewer_than_the_threshold_in_all_details_no_quartier(make_participant, consultation,
                                                            quartiers):  # fmt: skip
    for n in range(5):
        services.response_submit(actor=make_participant(f"R{n}"), consultation=consultation,
                                 quartier=quartiers[0], answers=answers_for(consultation))  # fmt: skip
    results = consultation_results(consultation)
    assert results.quartiers == {} and list(results.hidden) == ["Q1"]
    assert "Moins de 11 personnes" in results.explanation()[0]
    assert all(r[3] == "" or r[10] == "masqué" for r in results.rows())


def test_the_service_sees_which_rule_hid_each_quartier(client, agent, data_officer,
                                                       make_participant, consultation,
                                                       quartiers):  # fmt: skip
    n = 0
    for quartier, size in zip(quartiers, (14, 12, 3), strict=True):
        for _ in range(size):
            n += 1
            services.response_submit(actor=make_participant(f"S{n}"), consultation=consultation,
                                     quartier=quartier, answers=answers_for(consultation))  # fmt: skip
    consultation.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    consultation.save()
    services.results_publish(actor=data_officer, consultation=consultation)
    client.force_login(agent)
    page = client.get(f"/espace/participation/consultations/{consultation.slug}/")
    html = page.content.decode()
    assert "Case « quartier = Q3 » masquée : moins de 11 individus" in html
    assert "« quartier = Q2 » masquée en secret secondaire" in html
    public = client.get(f"/consultations/{consultation.slug}/").content.decode()
    assert "secret secondaire" not in public and "Quartier 2, Quartier 3" in public
