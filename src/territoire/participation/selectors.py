"""Reads of the participation app, aware of who is asking. The public sees published projects
and contributions not hidden by moderation; a service's agents see their drafts; moderators see
hidden contributions too. What an actor may not see is not found."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.core.errors import NotFound, TerritoireError, ValidationFailed
from territoire.indicators import selectors as indicator_selectors
from territoire.organizations.models import Service
from territoire.registers import selectors as register_selectors

from .models import (
    Comment,
    Consultation,
    ContentReport,
    Moderated,
    ModerationAction,
    Participant,
    Project,
    Proposal,
    Question,
)
from .vocabularies import ContentKind


def _not_found(what_fr: str, what_en: str) -> NotFound:
    return NotFound(f"{what_fr} introuvable.", f"{what_en} not found.")


def project_list_for_actor(actor) -> QuerySet[Project]:
    qs = Project.objects.select_related("service", "service__organization", "territory")
    if permissions.is_data_officer(actor):
        return qs
    services = permissions.member_service_ids(actor) if permissions.is_agent(actor) else set()
    return qs.filter(Q(is_published=True) | Q(service_id__in=services))


def project_get_for_actor(actor, slug: str) -> Project:
    project = project_list_for_actor(actor).filter(slug=slug).first()
    if project is None:
        raise _not_found("Projet", "Project")
    return project


def project_list_manageable(actor) -> QuerySet[Project]:
    qs = Project.objects.select_related("service", "service__organization", "territory")
    if permissions.is_data_officer(actor):
        return qs
    if not permissions.is_agent(actor):
        return qs.none()
    return qs.filter(service_id__in=permissions.member_service_ids(actor))


@dataclass
class Sheet:
    """The transparency sheet's links, only those the actor may see."""

    datasets: list
    algorithms: list
    processing_activities: list
    indicators: list
    evaluations: list


def project_sheet(actor, project: Project) -> Sheet:
    datasets = catalog_selectors.dataset_list_for_actor(actor).filter(
        pk__in=project.datasets.values("pk")
    )
    algorithms = register_selectors.algorithm_list_for_actor(actor).filter(
        pk__in=project.algorithms.values("pk")
    )
    processing = register_selectors.processing_list_for_actor(actor).filter(
        pk__in=project.processing_activities.values("pk")
    )
    indicators = indicator_selectors.indicator_list_for_actor(actor).filter(
        pk__in=project.indicators.values("pk")
    )
    evaluations = indicator_selectors.evaluation_list_for_actor(actor).filter(
        pk__in=project.evaluations.values("pk")
    )
    return Sheet(list(datasets.order_by("title")), list(algorithms.order_by("name")),
                 list(processing.order_by("name")), list(indicators.order_by("title")),
                 list(evaluations.order_by("title")))  # fmt: skip


def project_effects(actor, indicators: list) -> list[tuple]:
    """Each linked indicator with its latest values against baseline and target (the indicators'
    own on-track sentences), read through the records engine with the series' access check."""
    effects = []
    for indicator in indicators:
        try:
            rows = indicator_selectors.series_read(actor, indicator)
        except TerritoireError:
            rows = []
        effects.append((indicator, indicator_selectors.series_progress(indicator, rows)))
    return effects


def project_links_resolve(actor, references: dict[str, list[str]]) -> dict[str, list]:
    """Slugs → the objects the actor may see, per link; an unknown or invisible one is refused
    naming the link."""
    readable: dict[str, QuerySet[Any]] = {
        "datasets": catalog_selectors.dataset_list_for_actor(actor),
        "algorithms": register_selectors.algorithm_list_for_actor(actor),
        "processing_activities": register_selectors.processing_list_for_actor(actor),
        "indicators": indicator_selectors.indicator_list_for_actor(actor),
        "evaluations": indicator_selectors.evaluation_list_for_actor(actor),
    }
    resolved = {}
    for name, slugs in references.items():
        if name not in readable:
            raise ValidationFailed(f"Lien inconnu : {name}.", f"Unknown link: {name}.", where=name)
        found = {o.slug: o for o in readable[name].filter(slug__in=slugs)}
        missing = sorted(set(slugs) - set(found))
        if missing:
            listed = ", ".join(missing)
            raise ValidationFailed(f"Référence(s) introuvable(s) dans {name} : {listed}.",
                                   f"Reference(s) not found in {name}: {listed}.", where=name)  # fmt: skip
        resolved[name] = [found[s] for s in dict.fromkeys(slugs)]
    return resolved


@dataclass
class LinkedReports:
    """The visible reports linked to a project, and how many are in each status."""

    reports: list
    by_status: list[tuple[str, Any, int]]  # (status, label, count), in the workflow's order

    @property
    def count(self) -> int:
        return len(self.reports)


def project_reports(project: Project) -> LinkedReports:
    """Through the link only: participation and reports are sibling apps that do not import
    each other (the statuses and visibility are the report model's own)."""
    reports = [r for r in project.reports.select_related("category") if r.is_visible]
    counts = Counter(r.status for r in reports)
    choices = project.reports.model._meta.get_field("status").choices or []
    by_status = [(value, label, counts[value]) for value, label in choices if counts[value]]
    return LinkedReports(reports, by_status)


def project_evaluations(actor, evaluations: list) -> list[tuple]:
    """Each linked evaluation with its measured effect (before/after, the difference-in-
    differences estimate, its interval and sentence), on the series the actor may read; None
    when the series cannot be read."""
    measured = []
    for evaluation in evaluations:
        try:
            effect = indicator_selectors.evaluation_assess(actor, evaluation)
        except TerritoireError:
            effect = None
        measured.append((evaluation, effect))
    return measured


def _visible(actor, qs: QuerySet) -> QuerySet:
    return qs if permissions.is_moderator(actor) else qs.filter(is_hidden=False)


def question_list(actor, project: Project) -> QuerySet[Question]:
    return _visible(actor, project.questions.select_related("author"))


def consultation_list_for_actor(actor) -> QuerySet[Consultation]:
    visible = project_list_for_actor(actor).values("pk")
    return Consultation.objects.select_related("project").filter(project_id__in=visible)


def consultation_get_for_actor(actor, slug: str) -> Consultation:
    consultation = consultation_list_for_actor(actor).filter(slug=slug).first()
    if consultation is None:
        raise _not_found("Consultation", "Consultation")
    return consultation


def proposal_list_for_actor(actor) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("author", "project", "service", "service__organization")
    qs = qs.annotate(comment_count=Count("comments", filter=Q(comments__is_hidden=False)))
    if permissions.is_moderator(actor):
        return qs
    if permissions.is_agent(actor):
        return qs.filter(
            Q(is_hidden=False) | Q(service_id__in=permissions.member_service_ids(actor))
        )
    return qs.filter(is_hidden=False)


def proposal_services() -> QuerySet[Service]:
    """The services a participant may address a proposal to: those with a published project."""
    return (
        Service.objects.select_related("organization")
        .filter(participation_projects__is_published=True)
        .distinct()
    )


def proposal_get_for_actor(actor, pk: int) -> Proposal:
    proposal = proposal_list_for_actor(actor).filter(pk=pk).first()
    if proposal is None:
        raise _not_found("Proposition", "Proposal")
    return proposal


def proposal_list_answerable(actor) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("author", "project", "service")
    if permissions.is_data_officer(actor):
        return qs
    if not permissions.is_agent(actor):
        return qs.none()
    return qs.filter(service_id__in=permissions.member_service_ids(actor))


def comment_tree(actor, proposal: Proposal) -> list[tuple[Comment, int]]:
    """The comments in reading order with their depth (replies under their parent)."""
    comments = list(_visible(actor, proposal.comments.select_related("author")))
    children: dict[int | None, list[Comment]] = {}
    for c in comments:
        children.setdefault(c.parent_id, []).append(c)
    out: list[tuple[Comment, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for c in children.get(parent_id, []):
            out.append((c, depth))
            walk(c.pk, min(depth + 1, 4))

    walk(None, 0)
    return out


def content_get_for_actor(actor, kind: str, pk: int):
    """A contribution the actor may see (to report it): not hidden, on a visible proposal or
    project. Not found otherwise."""
    content: Moderated | None = None
    if kind == ContentKind.PROPOSAL:
        content = proposal_list_for_actor(actor).filter(pk=pk).first()
    elif kind == ContentKind.COMMENT:
        proposals = proposal_list_for_actor(actor).values("pk")
        content = Comment.objects.filter(pk=pk, proposal_id__in=proposals).first()
    elif kind == ContentKind.QUESTION:
        projects = project_list_for_actor(actor).values("pk")
        content = Question.objects.filter(pk=pk, project_id__in=projects).first()
    if content is None or content.is_hidden:
        raise _not_found("Contribution", "Contribution")
    return content


def participant_of(actor) -> Participant | None:
    if not permissions.is_authenticated(actor):
        return None
    return Participant.objects.filter(user_id=actor.pk).first()


def moderation_queue(actor) -> list[dict]:
    """Contributions with open reports or hidden, for moderators: newest first."""
    if not permissions.is_moderator(actor):
        return []
    open_reports = (
        ContentReport.objects.filter(resolved_at__isnull=True)
        .values("kind", "object_id")
        .annotate(reports=Count("pk"))
    )
    keys = {(r["kind"], r["object_id"]): r["reports"] for r in open_reports}
    models = {ContentKind.PROPOSAL: Proposal, ContentKind.COMMENT: Comment,
              ContentKind.QUESTION: Question}  # fmt: skip
    items = []
    for kind, model in models.items():
        ids = [oid for (k, oid) in keys if k == kind]
        for content in model._default_manager.filter(Q(pk__in=ids) | Q(is_hidden=True)):
            items.append({"kind": kind, "content": content,
                          "reports": keys.get((kind, content.pk), 0),
                          "reasons": list(ContentReport.objects.filter(
                              kind=kind, object_id=content.pk, resolved_at__isnull=True
                          ).values_list("reason", flat=True)[:5])})  # fmt: skip
    items.sort(key=lambda i: i["content"].created_at, reverse=True)
    return items


def moderation_history(actor, limit: int = 50) -> QuerySet[ModerationAction]:
    if not permissions.is_moderator(actor):
        return ModerationAction.objects.none()
    return ModerationAction.objects.select_related("moderator")[:limit]
