"""Data projects, written by their service: the project, its phases and milestones, its links
(datasets, registers' entries, indicators), its public timeline, and the public questions."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoire.accounts import permissions
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.indicators.models import Evaluation, Indicator
from territoire.territories.models import TerritoryKind
from territoire.trust.services import audit_record, audited_save

from ..models import Milestone, Phase, Project, Question, TimelineEntry
from ..vocabularies import FollowKind, PhaseKind, ProjectStatus
from .guard import check_honeypot, check_rate, clean_text, require_participant
from .notifications import followers_notify

EDITABLE = {
    "title", "summary", "presentation", "territory", "is_published", "purpose",
    "processes_personal_data", "personal_data_detail", "benefits", "risks", "decision_maker",
    "contact", "status", "progress",
}  # fmt: skip
SCALES = {TerritoryKind.EPCI, TerritoryKind.COMMUNE, TerritoryKind.QUARTIER}
LINKS = (
    "datasets", "algorithms", "processing_activities", "indicators", "evaluations", "reports",
)  # fmt: skip


def project_check_manageable(actor, service_id: int | None) -> None:
    if not permissions.can_manage_participation(actor, service_id):
        raise PermissionRefused(
            "Seuls les agents du service responsable et l'administrateur des données gèrent ce "
            "projet.",
            "Only the agents of the owner service and the data officer manage this project.",
        )


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "projet"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check(values: dict[str, Any]) -> None:
    unknown = set(values) - EDITABLE
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Champ(s) inconnu(s) : {listed}.", f"Unknown field(s): {listed}.")
    if "title" in values and not str(values["title"]).strip():
        raise ValidationFailed("Le titre est obligatoire.", "A title is required.", where="title")
    if "progress" in values:
        progress = values["progress"]
        if not isinstance(progress, int) or not 0 <= progress <= 100:
            raise ValidationFailed(
                "L'avancement est un nombre entier de 0 à 100 (%).",
                "Progress is a whole number from 0 to 100 (%).",
                where="progress",
            )
    territory = values.get("territory")
    if territory is not None and territory.kind not in SCALES:
        raise ValidationFailed(
            "L'échelle d'un projet est un EPCI, une commune ou un quartier.",
            "A project's scale is an EPCI, a commune or a quartier.",
            where="territory",
        )
    if "status" in values and values["status"] not in ProjectStatus.values:
        raise ValidationFailed("État inconnu.", "Unknown status.", where="status")


def project_create(*, actor, service, title: str, territory, slug: str | None = None,
                   **values: Any) -> Project:  # fmt: skip
    project_check_manageable(actor, service.pk if service else None)
    _check({"title": title, "territory": territory, **values})
    if slug and Project.objects.filter(slug=slug).exists():
        raise ValidationFailed(f"L'identifiant « {slug} » est déjà utilisé.",
                               f"Slug '{slug}' is already used.", where="slug")  # fmt: skip
    with transaction.atomic():
        project = Project(service=service, title=title.strip(), territory=territory,
                          slug=slug or _unique_slug(title), **values)  # fmt: skip
        audited_save(actor=actor, instance=project)
        TimelineEntry.objects.create(project=project, text=_("Projet créé"))
    return project


def project_update(*, actor, project: Project, reason: str = "", **values: Any) -> Project:
    """Change a project; a change of status or progress goes on its timeline and to followers."""
    project_check_manageable(actor, project.service_id)
    _check(values)
    before_status, before_progress = project.get_status_display(), project.progress
    with transaction.atomic():
        for name, value in values.items():
            setattr(project, name, value)
        audited_save(actor=actor, instance=project, reason=reason)
        news = []
        if "status" in values and project.get_status_display() != before_status:
            news.append(_("État : %(old)s → %(new)s")
                        % {"old": before_status, "new": project.get_status_display()})  # fmt: skip
        if "progress" in values and project.progress != before_progress:
            news.append(_("Avancement : %(old)s %% → %(new)s %%")
                        % {"old": before_progress, "new": project.progress})  # fmt: skip
        for text in news:
            timeline_add(project=project, text=text)
    return project


def timeline_add(*, project: Project, text: str) -> TimelineEntry:
    """One public line on the project's timeline, told to its followers."""
    entry = TimelineEntry.objects.create(project=project, text=text[:500])
    followers_notify(kind=FollowKind.PROJECT, object_id=project.pk,
                     subject=f"{project.title} : {text}"[:200], body=text,
                     path=reverse("web:project", args=[project.slug]))  # fmt: skip
    return entry


# The links that go on the timeline when added (the results the project is followed by).
FOLLOWED = {
    "indicators": gettext_lazy("Indicateur suivi : %(name)s"),
    "evaluations": gettext_lazy("Effet mesuré suivi : %(name)s"),
    "reports": gettext_lazy("%(name)s rattaché au projet"),
}


def project_set_links(*, actor, project: Project, **links: list) -> Project:
    """Replace the datasets, algorithms, GDPR processing activities, indicators, evaluations
    (measured effects) or reports (signalements of the project's service) of a project. A new
    indicator, evaluation or report goes on the timeline."""
    project_check_manageable(actor, project.service_id)
    unknown = set(links) - set(LINKS)
    if unknown:
        raise ValidationFailed(f"Lien inconnu : {', '.join(sorted(unknown))}.",
                               f"Unknown link: {', '.join(sorted(unknown))}.")  # fmt: skip
    foreign = [r for r in links.get("reports", []) if r.category.service_id != project.service_id]
    if foreign:
        listed = ", ".join(str(r.pk) for r in foreign)
        raise ValidationFailed(
            f"Signalement(s) n° {listed} : ils relèvent d'un autre service que celui du projet.",
            f"Report(s) no. {listed}: they belong to another service than the project's.",
            where="reports",
        )
    with transaction.atomic():
        changes = {}
        for name, objects in links.items():
            manager = getattr(project, name)
            before = {str(o) for o in manager.all()}
            manager.set(objects)
            after = {str(o) for o in objects}
            if before != after:
                changes[name] = [sorted(before), sorted(after)]
            if name in FOLLOWED:
                for added in sorted(after - before):
                    timeline_add(project=project, text=FOLLOWED[name] % {"name": added})
        if changes:
            audit_record(actor=actor, action="update", instance=project, changes=changes)
    return project


def phase_set(*, actor, project: Project, kind: str, starts_on: datetime.date,
              ends_on: datetime.date | None = None, description: str = "") -> Phase:  # fmt: skip
    project_check_manageable(actor, project.service_id)
    if kind not in PhaseKind.values:
        raise ValidationFailed("Phase inconnue.", "Unknown phase.", where="kind")
    if ends_on and ends_on < starts_on:
        raise ValidationFailed("La fin d'une phase ne peut précéder son début.",
                               "A phase cannot end before it starts.", where="ends_on")  # fmt: skip
    with transaction.atomic():
        phase = Phase.objects.filter(project=project, kind=kind).first() or Phase(
            project=project, kind=kind
        )
        phase.starts_on, phase.ends_on, phase.description = starts_on, ends_on, description
        audited_save(actor=actor, instance=phase)
    return phase


def milestone_add(*, actor, project: Project, title: str, due_on: datetime.date) -> Milestone:
    project_check_manageable(actor, project.service_id)
    title = clean_text(title, field="title", label=_("Jalon"), max_length=200)
    with transaction.atomic():
        milestone = audited_save(actor=actor,
                                 instance=Milestone(project=project, title=title, due_on=due_on))  # fmt: skip
    return milestone


def milestone_reach(
    *, actor, milestone: Milestone, reached_on: datetime.date | None = None
) -> Milestone:
    project_check_manageable(actor, milestone.project.service_id)
    with transaction.atomic():
        milestone.reached_on = reached_on or timezone.localdate()
        audited_save(actor=actor, instance=milestone)
        timeline_add(project=milestone.project,
                     text=_("Jalon atteint : %(title)s") % {"title": milestone.title})  # fmt: skip
    return milestone


def question_ask(*, actor, project: Project, text: str, address: str | None = None,
                 honeypot: str = "") -> Question:  # fmt: skip
    """A participant asks a public question on a published project."""
    check_honeypot(honeypot)
    participant = require_participant(actor)
    if not project.is_published:
        raise ValidationFailed("Ce projet n'est pas publié.", "This project is not published.")
    text = clean_text(text, field="text", label=_("Question"), max_length=2000)
    check_rate(actor=actor, address=address)
    with transaction.atomic():
        question = Question(project=project, author=participant, text=text)
        audited_save(actor=actor, instance=question)
    return question


def question_answer(*, actor, question: Question, answer: str) -> Question:
    """The service's answer, published beside the question."""
    project_check_manageable(actor, question.project.service_id)
    answer = clean_text(answer, field="answer", label=_("Réponse"), max_length=5000)
    with transaction.atomic():
        question.answer, question.answered_at, question.answered_by = answer, timezone.now(), actor
        audited_save(actor=actor, instance=question)
        followers_notify(kind=FollowKind.PROJECT, object_id=question.project_id,
                         subject=_("Réponse du service : %(project)s") % {"project": question.project.title},
                         body=f"« {question.text[:200]} »\n\n{answer}",
                         path=reverse("web:project", args=[question.project.slug]))  # fmt: skip
    return question


def projects_note_indicator_version(version) -> None:
    """A lake hook: when an indicator's series gets a new version (new values computed), each
    project following that indicator, or an evaluation of it, says so on its timeline (and to
    its followers): the measured effect may have moved."""
    indicators = Indicator.objects.filter(series_id=version.dataset_id)
    for indicator in indicators:
        for project in Project.objects.filter(indicators=indicator):
            with transaction.atomic():
                timeline_add(project=project, text=_("Nouvelles valeurs de l'indicateur « %(name)s »")
                             % {"name": indicator.title})  # fmt: skip
        for evaluation in Evaluation.objects.filter(indicator=indicator):
            for project in Project.objects.filter(evaluations=evaluation):
                with transaction.atomic():
                    timeline_add(project=project, text=_(
                        "Effet mesuré « %(name)s » recalculé : nouvelles valeurs de l'indicateur "
                        "« %(indicator)s »") % {"name": evaluation.title,
                                                  "indicator": indicator.title})  # fmt: skip


EVALUATION_FIELDS = {
    "title": gettext_lazy("titre"),
    "description": gettext_lazy("description"),
    "intervention_date": gettext_lazy("date de l'intervention"),
    "treated": gettext_lazy("territoires concernés"),
    "comparison": gettext_lazy("territoires de comparaison"),
}


def projects_note_evaluation_change(evaluation, fields: list[str]) -> None:
    """An indicators hook: a change of an evaluation (its intervention date, its territories…)
    goes on the timeline of each project following it."""
    changed = ", ".join(str(EVALUATION_FIELDS.get(f, f)) for f in fields)
    for project in Project.objects.filter(evaluations=evaluation):
        with transaction.atomic():
            timeline_add(project=project, text=_("Effet mesuré « %(name)s » modifié : %(fields)s")
                         % {"name": evaluation.title, "fields": changed})  # fmt: skip
