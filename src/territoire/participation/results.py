"""A consultation's results: choices counted, reviewed free texts, and the breakdown by quartier
only where enough people answered.

The rule is the one the platform applies to tables of people (no group under
TERRITOIRE_PARTICIPATION_MIN_GROUP, 11 by default, INSEE's rule): a quartier is shown when at
least that many answered there. Because the whole territory's counts are published too, hiding
small quartiers is not enough: with a single hidden quartier its counts are the total minus the
others. So the hidden rest (small quartiers and answers without a quartier) must itself reach
the threshold, or the smallest shown quartiers are hidden too until it does (the secondary
suppression of trust/disclosure, reduced to one dimension). The full trust.disclosure machinery
works on DuckDB tables of microdata; these results are a few hundred rows in the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .models import Answer, Consultation, ConsultationQuestion
from .vocabularies import QuestionKind, TextReview

RESULT_COLUMNS = [
    "question", "question_libelle", "type", "quartier_code", "quartier", "reponse",
    "nombre", "repondants", "part", "rang_moyen",
]  # fmt: skip
ALL = ""  # quartier code of the whole territory


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
    hidden_quartiers: int
    questions: list[QuestionResult]
    threshold: int

    def rows(self) -> list[list[Any]]:
        out: list[list[Any]] = []
        for qr in self.questions:
            q = qr.question
            for code, (respondents, counts) in qr.groups.items():
                name = self.quartiers.get(code, "Ensemble du territoire")
                for answer, count, share, rank in counts:
                    out.append([q.position + 1, q.label, q.kind, code, name, answer, count,
                                respondents, round(share, 4), rank])  # fmt: skip
            for text in qr.texts:
                out.append([q.position + 1, q.label, q.kind, ALL, "Ensemble du territoire", text,
                            1, qr.overall[0], None, None])  # fmt: skip
        return out


def shown_quartiers(sizes: dict[str, int], total: int, threshold: int) -> set[str]:
    """Quartier codes whose results may be shown (see the module's docstring)."""
    shown = {code for code, n in sizes.items() if n >= threshold}
    while shown:
        rest = total - sum(sizes[c] for c in shown)
        if rest == 0 or rest >= threshold:
            break
        shown.remove(min(shown, key=lambda c: (sizes[c], c)))
    return shown


def consultation_results(consultation: Consultation) -> Results:
    threshold = settings.TERRITOIRE_PARTICIPATION_MIN_GROUP
    responses = list(consultation.responses.select_related("quartier"))
    total = len(responses)
    quartier_of = {r.pk: (r.quartier.code if r.quartier else None) for r in responses}
    names = {r.quartier.code: r.quartier.name for r in responses if r.quartier}
    sizes = Counter(code for code in quartier_of.values() if code)
    shown = shown_quartiers(dict(sizes), total, threshold)
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
            for code in sorted(shown):
                group = [a for a in answers if quartier_of.get(a.response_id) == code]
                qr.groups[code] = _aggregate(question, group)
        results.append(qr)
    return Results(consultation=consultation, respondents=total,
                   quartiers={c: names[c] for c in sorted(shown)},
                   hidden_quartiers=len(sizes) - len(shown), questions=results,
                   threshold=threshold)  # fmt: skip


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
