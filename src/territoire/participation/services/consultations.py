"""Consultations: the questionnaire, one response per participant (a unique constraint), the
review of free texts, and the results published as a dataset of the lake."""

from __future__ import annotations

import csv
import datetime
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import PermissionRefused, TerritoireError, ValidationFailed
from territoire.lake import services as lake_services
from territoire.territories.models import Territory, TerritoryKind
from territoire.trust.services import audit_record, audited_save

from ..models import Answer, Consultation, ConsultationQuestion, Project, Response
from ..results import RESULT_COLUMNS, consultation_results
from ..vocabularies import QuestionKind, TextReview
from .guard import check_honeypot, check_rate, clean_text, require_participant
from .projects import project_check_manageable, timeline_add


def consultation_create(*, actor, project: Project, title: str, opens_at: datetime.datetime,
                        closes_at: datetime.datetime, questions: list[dict[str, Any]],
                        description: str = "", requires_residency: bool = False,
                        slug: str | None = None) -> Consultation:  # fmt: skip
    """A consultation and its questions: ``{"kind", "label", "choices", "scale_min",
    "scale_max", "is_required"}`` each."""
    project_check_manageable(actor, project.service_id)
    if not title.strip():
        raise ValidationFailed("Le titre est obligatoire.", "A title is required.", where="title")
    if closes_at <= opens_at:
        raise ValidationFailed("La clôture doit suivre l'ouverture.",
                               "Closing must come after opening.", where="closes_at")  # fmt: skip
    _check_questions(questions)
    base = slug or slugify(title)[:100] or "consultation"
    slug, n = base, 2
    while Consultation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    with transaction.atomic():
        consultation = audited_save(actor=actor, instance=Consultation(
            project=project, title=title.strip(), slug=slug, description=description,
            opens_at=opens_at, closes_at=closes_at, requires_residency=requires_residency))  # fmt: skip
        _write_questions(consultation, questions)
    return consultation


def _check_questions(questions: list[dict[str, Any]]) -> None:
    if not questions:
        raise ValidationFailed("Une consultation pose au moins une question.",
                               "A consultation asks at least one question.", where="questions")  # fmt: skip
    for n, q in enumerate(questions, 1):
        if q.get("kind") not in QuestionKind.values or not str(q.get("label", "")).strip():
            raise ValidationFailed(f"Question {n} : type ou libellé manquant.",
                                   f"Question {n}: kind or label missing.", where="questions")  # fmt: skip
        choosing = q["kind"] in {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING}
        if choosing and len(q.get("choices") or []) < 2:
            raise ValidationFailed(f"Question {n} : au moins deux choix.",
                                   f"Question {n}: at least two choices.", where="questions")  # fmt: skip
        if q["kind"] == QuestionKind.SCALE and q.get("scale_min", 1) >= q.get("scale_max", 5):
            raise ValidationFailed(f"Question {n} : le minimum de l'échelle précède son maximum.",
                                   f"Question {n}: the scale's minimum comes before its maximum.",
                                   where="questions")  # fmt: skip


def _write_questions(consultation: Consultation, questions: list[dict[str, Any]]) -> None:
    for position, q in enumerate(questions):
        ConsultationQuestion.objects.create(
            consultation=consultation, position=position, kind=q["kind"],
            label=q["label"].strip()[:300], choices=[str(c) for c in q.get("choices") or []],
            scale_min=q.get("scale_min", 1), scale_max=q.get("scale_max", 5),
            is_required=q.get("is_required", True),
        )  # fmt: skip


def _normal(q: dict[str, Any]) -> dict[str, Any]:
    return {"kind": q.get("kind"), "label": str(q.get("label", "")).strip()[:300],
            "choices": [str(c) for c in q.get("choices") or []],
            "scale_min": q.get("scale_min", 1), "scale_max": q.get("scale_max", 5),
            "is_required": q.get("is_required", True)}  # fmt: skip


def questions_of(consultation: Consultation) -> list[dict[str, Any]]:
    """The questions as ``consultation_create`` takes them (what an edit starts from)."""
    return [{"kind": q.kind, "label": q.label, "choices": list(q.choices),
             "scale_min": q.scale_min, "scale_max": q.scale_max, "is_required": q.is_required}
            for q in consultation.questions.all()]  # fmt: skip


# What may change, and until when: before it opens, everything; once someone answered, only
# the dates and the description (the answers were given to these questions, this title, these
# conditions); once the results are published, the description only.
EDITABLE = ("title", "description", "opens_at", "closes_at", "requires_residency", "questions")


def consultation_locks(consultation: Consultation,
                       now: datetime.datetime | None = None) -> dict[str, tuple[str, str]]:  # fmt: skip
    """Field → why it may no longer change (French, English); fields not named may change."""
    now = now or timezone.now()
    locks: dict[str, tuple[str, str]] = {}
    answered = consultation.responses.count()
    if consultation.results_published_at:
        reason = ("les résultats sont publiés : la consultation est close pour de bon",
                  "the results are published: the consultation is closed for good")  # fmt: skip
        for name in ("title", "opens_at", "closes_at", "requires_residency", "questions"):
            locks[name] = reason
        return locks
    if answered:
        reason = (f"{answered} personne(s) ont déjà répondu à ces questions, sous ce titre et ces "
                  "conditions : seules les dates et la description peuvent encore changer",
                  f"{answered} person(s) already answered these questions, under this title and "
                  "these conditions: only the dates and the description may still change")  # fmt: skip
        for name in ("title", "requires_residency", "questions"):
            locks[name] = reason
    elif consultation.opens_at <= now:
        reason = ("la consultation est ouverte : ses questions et ses conditions ne changent "
                  "plus (seuls le titre, les dates et la description peuvent changer)",
                  "the consultation is open: its questions and conditions no longer change (only "
                  "the title, the dates and the description may change)")  # fmt: skip
        for name in ("requires_residency", "questions"):
            locks[name] = reason
    return locks


def consultation_update(*, actor, consultation: Consultation, reason: str = "",
                        **values: Any) -> Consultation:  # fmt: skip
    """Change a consultation (workspace, API and admin alike): ``title``, ``description``,
    ``opens_at``, ``closes_at``, ``requires_residency``, ``questions`` (as for
    ``consultation_create``), within ``consultation_locks``. Audited; nothing is written when
    anything is refused."""
    project_check_manageable(actor, consultation.project.service_id)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Champ(s) inconnu(s) : {listed}.", f"Unknown field(s): {listed}.")
    current = {name: getattr(consultation, name) for name in EDITABLE if name != "questions"}
    current["questions"] = questions_of(consultation)
    if values.get("questions") is not None:
        values["questions"] = [_normal(q) for q in values["questions"]]
    changed = {k: v for k, v in values.items() if v is not None and v != current[k]}
    if "title" in changed:
        changed["title"] = str(changed["title"]).strip()
        if not changed["title"]:
            raise ValidationFailed("Le titre est obligatoire.", "A title is required.",
                                   where="title")  # fmt: skip
    locks = consultation_locks(consultation)
    for name in changed:
        if name in locks:
            fr, en = locks[name]
            raise ValidationFailed(f"Ce champ ne peut plus changer : {fr}.",
                                   f"This field may no longer change: {en}.", where=name)  # fmt: skip
    opens_at = changed.get("opens_at", consultation.opens_at)
    closes_at = changed.get("closes_at", consultation.closes_at)
    if closes_at <= opens_at:
        raise ValidationFailed("La clôture doit suivre l'ouverture.",
                               "Closing must come after opening.", where="closes_at")  # fmt: skip
    first = consultation.responses.order_by("submitted_at").first()
    if first is not None and opens_at > first.submitted_at:
        raise ValidationFailed(
            "L'ouverture ne peut pas suivre la première réponse, reçue le "
            f"{timezone.localtime(first.submitted_at):%d/%m/%Y %H:%M}.",
            "Opening cannot come after the first answer, received on "
            f"{timezone.localtime(first.submitted_at):%Y-%m-%d %H:%M}.", where="opens_at")  # fmt: skip
    if "questions" in changed:
        _check_questions(changed["questions"])
    if not changed:
        return consultation
    with transaction.atomic():
        questions = changed.pop("questions", None)
        for name, value in changed.items():
            setattr(consultation, name, value)
        audited_save(actor=actor, instance=consultation, reason=reason)
        if questions is not None:
            consultation.questions.all().delete()
            _write_questions(consultation, questions)
            audit_record(actor=actor, action="update", instance=consultation, reason=reason,
                         changes={"questions": [[q["label"] for q in current["questions"]],
                                                [q["label"] for q in questions]]})  # fmt: skip
    return consultation


def is_open(consultation: Consultation, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return consultation.opens_at <= now < consultation.closes_at


def _value(question: ConsultationQuestion, raw: Any) -> tuple[Any, str]:
    """The stored (value, text) of one raw answer; an error names the question."""

    def bad(fr: str, en: str) -> ValidationFailed:
        return ValidationFailed(f"« {question.label} » : {fr}", f"'{question.label}': {en}",
                                where=f"q{question.pk}")  # fmt: skip

    empty = raw in (None, "", [])
    if empty:
        if question.is_required:
            raise bad("une réponse est attendue.", "an answer is expected.")
        return None, ""
    kind, choices = question.kind, question.choices
    if kind == QuestionKind.SINGLE:
        if raw not in choices:
            raise bad(
                "choisissez une des réponses proposées.", "choose one of the answers offered."
            )
        return raw, ""
    if kind == QuestionKind.MULTIPLE:
        values = raw if isinstance(raw, list) else [raw]
        if any(v not in choices for v in values):
            raise bad(
                "choisissez parmi les réponses proposées.", "choose among the answers offered."
            )
        return list(dict.fromkeys(values)), ""
    if kind == QuestionKind.RANKING:
        if not isinstance(raw, list) or sorted(raw) != sorted(choices):
            raise bad("classez chaque proposition une fois.", "rank each option once.")
        return list(raw), ""
    if kind == QuestionKind.SCALE:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = None
        if number is None or not question.scale_min <= number <= question.scale_max:
            raise bad(f"une note de {question.scale_min} à {question.scale_max}.",
                      f"a score from {question.scale_min} to {question.scale_max}.")  # fmt: skip
        return number, ""
    return None, clean_text(
        str(raw), field=f"q{question.pk}", label=question.label, max_length=2000
    )


def response_submit(*, actor, consultation: Consultation, answers: dict[int, Any],
                    quartier: Territory | None = None, address: str | None = None,
                    honeypot: str = "") -> Response:  # fmt: skip
    """The participant's one response. ``answers`` maps question ids to raw values."""
    check_honeypot(honeypot)
    participant = require_participant(actor)
    if not is_open(consultation):
        raise ValidationFailed("Cette consultation n'est pas ouverte : elle n'accepte pas de réponse.",
                               "This consultation is not open: it takes no answer.")  # fmt: skip
    if consultation.requires_residency and not participant.is_resident:
        raise PermissionRefused(
            "Cette consultation est réservée aux résidents : faites vérifier votre résidence "
            "dans votre espace participant.",
            "This consultation is for residents: have your residency checked in your "
            "participant space.",
        )
    if quartier is not None and quartier.kind != TerritoryKind.QUARTIER:
        raise ValidationFailed("Quartier inconnu.", "Unknown quartier.", where="quartier")
    if Response.objects.filter(consultation=consultation, participant=participant).exists():
        raise ValidationFailed("Vous avez déjà répondu à cette consultation : une réponse par personne.",
                               "You already answered this consultation: one answer per person.")  # fmt: skip
    questions = list(consultation.questions.all())
    values = [(q, *_value(q, answers.get(q.pk))) for q in questions]
    check_rate(actor=actor, address=address)
    try:
        with transaction.atomic():
            response = Response.objects.create(consultation=consultation, participant=participant,
                                               quartier=quartier)  # fmt: skip
            Answer.objects.bulk_create([
                Answer(response=response, question=q, value=value, text=text,
                       text_review=TextReview.PENDING if text else TextReview.APPROVED)
                for q, value, text in values if value is not None or text
            ])  # fmt: skip
            audit_record(actor=actor, action="create", instance=response,
                         object_repr=f"réponse à « {consultation.title} »")  # fmt: skip
    except IntegrityError:
        raise ValidationFailed("Vous avez déjà répondu à cette consultation : une réponse par personne.",
                               "You already answered this consultation: one answer per person.") from None  # fmt: skip
    return response


def answer_text_review(*, actor, answer: Answer, decision: str, reason: str = "") -> Answer:
    """A moderator lets a free-text answer into the published results, or keeps it out."""
    if not permissions.is_moderator(actor):
        raise PermissionRefused("Réservé aux modérateurs.", "Moderators only.")
    if decision not in {TextReview.APPROVED, TextReview.REJECTED}:
        raise ValidationFailed("Décision inconnue.", "Unknown decision.", where="decision")
    answer.text_review = decision
    return audited_save(actor=actor, instance=answer, reason=reason)


def results_publish(*, actor, consultation: Consultation) -> Consultation:
    """Write the results (aggregated choices, reviewed free texts, quartiers with enough
    answers) as a new version of the consultation's public dataset, through the lake."""
    project_check_manageable(actor, consultation.project.service_id)
    if timezone.now() < consultation.closes_at:
        raise ValidationFailed("Les résultats se publient après la clôture.",
                               "Results are published after closing.")  # fmt: skip
    rows = consultation_results(consultation).rows()
    service = consultation.project.service
    with transaction.atomic():
        if consultation.results_dataset is None:
            consultation.results_dataset = catalog_services.dataset_create(
                actor=actor, title=f"Résultats de la consultation : {consultation.title}"[:300],
                slug=f"consultation-{consultation.slug}"[:120], publisher=service.organization,
                publisher_service=service, access_level=AccessLevel.PUBLIC,
                description=_("Résultats agrégés de la consultation « %(title)s » ; par quartier "
                              "seulement là où le secret statistique le permet (au moins %(n)s "
                              "personnes, et aucun quartier masqué recalculable à partir du "
                              "total : les lignes « masqué » de la colonne secret_statistique) ; "
                              "textes libres relus par la modération.")
                            % {"title": consultation.title,
                               "n": settings.TERRITOIRE_PARTICIPATION_MIN_GROUP},
            )  # fmt: skip
            consultation.save(update_fields=["results_dataset", "modified_at"])
        with tempfile.TemporaryDirectory(prefix="consultation-") as folder:
            path = Path(folder) / f"{consultation.slug}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(RESULT_COLUMNS)
                writer.writerows(rows)
            report = lake_services.dataset_ingest(
                actor=actor, dataset=consultation.results_dataset, source=path,
                original_name=path.name, publish=True,
                holder=f"la publication des résultats de « {consultation.slug} »",
            )  # fmt: skip
        if report.status not in ("created", "unchanged"):
            first = (report.errors or [{}])[0]
            raise TerritoireError(first.get("message_fr") or "L'écriture des résultats a échoué.",
                                  first.get("message_en") or "Writing the results failed.")  # fmt: skip
        consultation.results_published_at = timezone.now()
        audited_save(actor=actor, instance=consultation, reason="résultats publiés")
        timeline_add(project=consultation.project,
                     text=_("Résultats publiés : %(title)s") % {"title": consultation.title})  # fmt: skip
    return consultation
