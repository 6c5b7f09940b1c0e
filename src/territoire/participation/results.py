"""A consultation's results: choices counted, reviewed free texts, and the breakdown by quartier
only where the disclosure rules allow it.

The breakdown goes through ``territoire.trust.disclosure``, the platform's one module for
aggregates about people: the table of respondents per quartier (answers without a quartier are a
group of their own, never published, so that the table adds up to the published total) is
protected with the secret statistique rule (no group under TERRITOIRE_PARTICIPATION_MIN_GROUP,
11 by default) and secondary suppression (a second group is hidden when a single hidden one
would be the total minus the others), verified by linear programming. A quartier hidden for
either reason is hidden for every question: its counts would otherwise be the whole territory's
minus the shown quartiers'. Below the threshold in all, nothing is broken down.

The public sees which quartiers were hidden and the rule, not which were hidden by which rule
(docs/disclosure.md: that would narrow the very intervals the suppression keeps open). These
results are a few hundred rows in the database: the aggregated table is passed to
``protect_table``, not read from DuckDB.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from territoire.trust.disclosure import DisclosureConfig, ProtectionFailed, protect_table

from .models import Answer, Consultation, ConsultationQuestion
from .vocabularies import QuestionKind, TextReview

RESULT_COLUMNS = [
    "question", "question_libelle", "type", "quartier_code", "quartier", "reponse",
    "nombre", "repondants", "part", "rang_moyen", "secret_statistique",
]  # fmt: skip
ALL = ""  # quartier code of the whole territory
TERRITORY_NAME = "Ensemble du territoire"
HIDDEN_MARK = "masqué"  # the dataset's secret_statistique column for a hidden quartier
COUNT = "repondants"


@dataclass
class Protection:
    """Which quartiers may be detailed; the others are hidden (``report``: the disclosure
    module's report, or None when nothing was broken down)."""

    shown: set[str]
    hidden: set[str]
    threshold: int
    report: Any = None
    too_few: bool = False  # fewer than the threshold answered in all: no breakdown

    def public_report(self) -> dict | None:
        return self.report.as_dict(public=True) if self.report is not None else None


def quartier_protection(sizes: dict[str | None, int], threshold: int) -> Protection:
    """``sizes``: respondents per quartier code (``None``: answers without a quartier)."""
    codes = {code for code, n in sizes.items() if code is not None and n > 0}
    total = sum(sizes.values())
    if not codes:
        return Protection(set(), set(), threshold)
    if total < threshold:
        return Protection(set(), codes, threshold, too_few=True)
    config = DisclosureConfig(dimensions=("quartier",), threshold=threshold, count_column=COUNT)
    rows = [{"quartier": code, COUNT: n} for code, n in sizes.items() if n > 0]
    try:
        protected = protect_table(rows, config)
    except ProtectionFailed:
        return Protection(set(), codes, threshold, too_few=True)
    hidden = {r["quartier"] for r in protected.rows if r["hidden"] and not r["total_of"]}
    if any(r["hidden"] and r["total_of"] for r in protected.rows):
        return Protection(set(), codes, threshold, report=protected.report, too_few=True)
    return Protection(codes - hidden, codes & hidden, threshold, report=protected.report)


@dataclass
class QuestionResult:
    question: ConsultationQuestion
    # quartier code → (respondents, [(answer, count, share, average rank)])
    groups: dict[str, tuple[int, list[tuple[str, int, float, float | None]]]] = field(
        default_factory=dict
    )
    texts: list[str] = field(default_factory=list)
    pending_texts: int = 0

    @property
    def overall(self):
        return self.groups.get(ALL, (0, []))

    def table(self) -> list[tuple]:
        """One row per answer: (answer, count, share, average rank, [share in each shown
        quartier]) — the page's table, the quartiers in the order of ``Results.quartiers``."""
        respondents, overall = self.overall
        codes = [c for c in self.groups if c != ALL]
        rows = []
        for i, (answer, count, share, rank) in enumerate(overall):
            rows.append((answer, count, share, rank, [self.groups[c][1][i][2] for c in codes]))
        return rows


@dataclass
class Results:
    consultation: Consultation
    respondents: int
    quartiers: dict[str, str]  # shown quartiers: code → name
    hidden: dict[str, str]  # hidden quartiers: code → name
    questions: list[QuestionResult]
    protection: Protection

    @property
    def threshold(self) -> int:
        return self.protection.threshold

    @property
    def hidden_quartiers(self) -> int:
        return len(self.hidden)

    def explanation(self, *, french: bool = True) -> list[str]:
        """What was hidden and why, for everyone (no rule per quartier: see the module)."""
        if not self.hidden:
            return []
        names, t = ", ".join(self.hidden.values()), self.threshold
        if self.protection.too_few:
            return [
                f"Moins de {t} personnes ont répondu en tout : aucun quartier n'est détaillé "
                f"({names}), au titre du secret statistique."
                if french
                else f"Fewer than {t} people answered in all: no quartier is detailed "
                f"({names}), under statistical secrecy."
            ]
        return [
            f"Quartiers non détaillés (secret statistique) : {names}."
            if french
            else f"Quartiers not detailed (statistical secrecy): {names}.",
            f"Un quartier n'est détaillé que si au moins {t} personnes y ont répondu ; un autre "
            "est masqué quand le détailler permettrait de recalculer un quartier masqué à partir "
            "du total. Vérifié par programmation linéaire : aucun quartier masqué ne peut être "
            "recalculé à partir des chiffres publiés."
            if french
            else f"A quartier is detailed only where at least {t} people answered there; "
            "another one is hidden when detailing it would let a hidden quartier be recomputed "
            "from the total. Verified by linear programming: no hidden quartier can be "
            "recomputed from the published figures.",
        ]

    def rows(self) -> list[list[Any]]:
        """The published dataset: every count, and one row per answer of each hidden quartier
        with no figure and « masqué » in ``secret_statistique`` (what was hidden is said)."""
        out: list[list[Any]] = []
        for qr in self.questions:
            q = qr.question
            for code, (respondents, counts) in qr.groups.items():
                name = self.quartiers.get(code, TERRITORY_NAME)
                for answer, count, share, rank in counts:
                    out.append([q.position + 1, q.label, q.kind, code, name, answer, count,
                                respondents, round(share, 4), rank, ""])  # fmt: skip
            if qr.groups:
                for code, name in self.hidden.items():
                    for answer, *_rest in qr.overall[1]:
                        out.append([q.position + 1, q.label, q.kind, code, name, answer, None,
                                    None, None, None, HIDDEN_MARK])  # fmt: skip
            for text in qr.texts:
                out.append([q.position + 1, q.label, q.kind, ALL, TERRITORY_NAME, text,
                            1, qr.overall[0], None, None, ""])  # fmt: skip
        return out


def consultation_results(consultation: Consultation) -> Results:
    threshold = settings.TERRITOIRE_PARTICIPATION_MIN_GROUP
    responses = list(consultation.responses.select_related("quartier"))
    total = len(responses)
    quartier_of = {r.pk: (r.quartier.code if r.quartier else None) for r in responses}
    names = {r.quartier.code: r.quartier.name for r in responses if r.quartier}
    protection = quartier_protection(dict(Counter(quartier_of.values())), threshold)
    shown = sorted(protection.shown)
    answers_by_question: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(response__consultation=consultation).order_by("pk"):
        answers_by_question[answer.question_id].append(answer)
    results = []
    for question in consultation.questions.all():
        qr = QuestionResult(question=question)
        answers = answers_by_question.get(question.pk, [])
        if question.kind == QuestionKind.TEXT:
            qr.texts = [a.text for a in answers if a.text_review == TextReview.APPROVED and a.text]
            qr.pending_texts = sum(1 for a in answers if a.text_review == TextReview.PENDING)
        else:
            qr.groups[ALL] = _aggregate(question, answers)
            for code in shown:
                group = [a for a in answers if quartier_of.get(a.response_id) == code]
                qr.groups[code] = _aggregate(question, group)
        results.append(qr)
    return Results(consultation=consultation, respondents=total,
                   quartiers={c: names[c] for c in shown},
                   hidden={c: names[c] for c in sorted(protection.hidden)},
                   questions=results, protection=protection)  # fmt: skip


def _aggregate(question: ConsultationQuestion, answers: list[Answer]):
    respondents = len(answers)
    counts: Counter = Counter()
    ranks: dict[str, list[int]] = defaultdict(list)
    if question.kind == QuestionKind.SCALE:
        options = [str(n) for n in range(question.scale_min, question.scale_max + 1)]
    else:
        options = list(question.choices)
    for a in answers:
        if question.kind == QuestionKind.MULTIPLE:
            counts.update(str(v) for v in a.value or [])
        elif question.kind == QuestionKind.RANKING:
            for position, option in enumerate(a.value or [], 1):
                ranks[str(option)].append(position)
                if position == 1:
                    counts[str(option)] += 1
        elif a.value is not None:
            counts[str(a.value)] += 1
    rows = []
    for option in options:
        n = counts.get(option, 0)
        share = n / respondents if respondents else 0.0
        rank = round(sum(ranks[option]) / len(ranks[option]), 2) if ranks.get(option) else None
        rows.append((option, n, share, rank))
    return respondents, rows
