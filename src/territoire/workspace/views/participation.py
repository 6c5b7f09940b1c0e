"""Participation in the staff workspace: the projects of one's services (create, edit, results),
questions and proposals to answer, consultations whose results to publish, and — for
moderators — reported contributions and free texts to review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.core.errors import NotFound, TerritoireError
from territoire.indicators import selectors as indicator_selectors
from territoire.organizations.models import Service
from territoire.participation import exports as participation_exports
from territoire.participation import selectors, services
from territoire.participation.models import Answer, Consultation, Question
from territoire.participation.results import consultation_results
from territoire.participation.vocabularies import PhaseKind, TextReview
from territoire.registers import selectors as register_selectors
from territoire.reports import selectors as report_selectors
from territoire.reports.vocabularies import ReportStatus
from territoire.territories.models import Territory, TerritoryKind

from .. import participation_actions
from ..participation_forms import (
    LINK_FIELDS,
    ConsultationForm,
    ProjectForm,
    format_questions,
    lock_fields,
    parse_questions,
)


def _require_staff(request) -> None:
    user = request.user
    if not (permissions.is_agent(user) or permissions.is_moderator(user)):
        raise PermissionDenied(_("Espace réservé aux agents du territoire et aux modérateurs."))


@login_required
def home(request):
    _require_staff(request)
    user = request.user
    projects = selectors.project_list_manageable(user)
    project_ids = list(projects.values_list("pk", flat=True))
    return render(request, "workspace/participation/home.html", {
        "projects": projects,
        "questions": Question.objects.filter(project_id__in=project_ids, answered_at__isnull=True,
                                             is_hidden=False).select_related("project"),
        "proposals": selectors.proposal_list_answerable(user).filter(status__in=["submitted", "under_study"]),
        "consultations": Consultation.objects.filter(project_id__in=project_ids,
                                                     closes_at__lte=timezone.now()),
        "is_moderator": permissions.is_moderator(user),
        "queue": selectors.moderation_queue(user),
        "texts": Answer.objects.filter(text_review=TextReview.PENDING).exclude(text="")
        .select_related("question__consultation")[:50] if permissions.is_moderator(user) else [],
        "history": selectors.moderation_history(user, 20),
        "export_kinds": [("proposals", _("propositions")), ("comments", _("commentaires")),
                         ("questions", _("questions")), ("responses", _("réponses aux consultations"))],
    })  # fmt: skip


def _open_reports(user, project):
    """Reports a project may be linked to: the open ones of the project's service (of one's
    services for a new project), and those already linked."""
    queue = report_selectors.report_queue(user).select_related("category")
    wanted = Q(status__in=[ReportStatus.NEW, ReportStatus.ACKNOWLEDGED])
    if project is not None:
        queue = queue.filter(category__service_id=project.service_id)
        wanted |= Q(pk__in=project.reports.values("pk"))
    return queue.filter(wanted).order_by("-created_at")


def _form(request, instance=None):
    user = request.user
    services_qs = (
        Service.objects.all() if permissions.is_data_officer(user)
        else Service.objects.filter(pk__in=permissions.member_service_ids(user))
    )  # fmt: skip
    territories = Territory.objects.filter(
        kind__in=[TerritoryKind.EPCI, TerritoryKind.COMMUNE, TerritoryKind.QUARTIER]
    ).order_by("kind", "name")
    links = {
        "datasets": catalog_selectors.dataset_list_for_actor(user).order_by("title"),
        "algorithms": register_selectors.algorithm_list_for_actor(user).order_by("name"),
        "processing_activities": register_selectors.processing_list_for_actor(user).order_by(
            "name"
        ),
        "indicators": indicator_selectors.indicator_list_for_actor(user).order_by("title"),
        "evaluations": indicator_selectors.evaluation_list_for_actor(user).order_by("title"),
        "reports": _open_reports(user, instance),
    }
    return ProjectForm(request.POST or None, instance=instance, services=services_qs,
                       territories=territories, links=links)  # fmt: skip


@login_required
def project_edit(request, slug: str | None = None):
    _require_staff(request)
    project = None
    if slug:
        project = selectors.project_list_manageable(request.user).filter(slug=slug).first()
        if project is None:
            raise Http404
    form = _form(request, project)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        links = {name: list(data.pop(name) or []) for name in LINK_FIELDS}
        try:
            if project is None:
                project = services.project_create(actor=request.user, **data)
            else:
                data.pop("service")  # a project stays with its service
                services.project_update(actor=request.user, project=project, **data)
            services.project_set_links(actor=request.user, project=project, **links)
        except TerritoireError as exc:
            form.add_error(exc.where if exc.where in form.fields else None, exc.localized())
        else:
            messages.success(request, _("Projet enregistré."))
            return redirect("workspace:participation_project", slug=project.slug)
    milestones = project.milestones.all() if project else []
    phases = {p.kind: p for p in project.phases.all()} if project else {}
    phase_rows = [(kind, label, phases.get(kind)) for kind, label in PhaseKind.choices]
    return render(request, "workspace/participation/project_form.html",
                  {"form": form, "project": project, "milestones": milestones,
                   "phase_rows": phase_rows},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@login_required
@require_POST
def act(request):
    """One staff action from the workspace page: answer, publish, moderate, review."""
    _require_staff(request)
    user, post = request.user, request.POST
    try:
        participation_actions.run(user, post)
    except TerritoireError as exc:
        messages.error(request, exc.localized())
    else:
        messages.success(request, _("C'est enregistré."))
    target = post.get("next", "")
    if not target.startswith("/espace/participation/") or "//" in target:
        target = reverse("workspace:participation")
    return redirect(target)


@login_required
def export(request, kind: str, fmt: str):
    """The participation objects of one's services, as CSV or JSON (pseudonyms, no accounts)."""
    _require_staff(request)
    try:
        body, media = participation_exports.export(actor=request.user, kind=kind, fmt=fmt)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(body, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="participation-{kind}.{fmt}"'
    return response


@login_required
def consultation_new(request, slug: str):
    """A new consultation of a project, its questions written one per line."""
    _require_staff(request)
    project = selectors.project_list_manageable(request.user).filter(slug=slug).first()
    if project is None:
        raise Http404
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            questions = parse_questions(data["questions"])
        except ValueError as exc:
            form.add_error("questions", str(exc))
        else:
            try:
                consultation = services.consultation_create(
                    actor=request.user, project=project, title=data["title"],
                    description=data["description"], opens_at=data["opens_at"],
                    closes_at=data["closes_at"], requires_residency=data["requires_residency"],
                    questions=questions,
                )  # fmt: skip
            except TerritoireError as exc:
                form.add_error(exc.where if exc.where in form.fields else None, exc.localized())
            else:
                messages.success(request, _("Consultation créée."))
                return redirect("web:consultation", slug=consultation.slug)
    return render(request, "workspace/participation/consultation_form.html",
                  {"form": form, "project": project},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@login_required
def consultation_edit(request, slug: str):
    """Change a consultation within what its state allows (``services.consultation_locks``):
    the fields that may no longer change are disabled, with the reason beside them."""
    _require_staff(request)
    manageable = selectors.project_list_manageable(request.user).values("pk")
    consultation = (
        Consultation.objects.select_related("project")
        .filter(slug=slug, project_id__in=manageable)
        .first()
    )
    if consultation is None:
        raise Http404
    locks = services.consultation_locks(consultation)
    lang = 1 if (get_language() or "fr").startswith("en") else 0
    initial = {
        "title": consultation.title, "description": consultation.description,
        "opens_at": timezone.localtime(consultation.opens_at),
        "closes_at": timezone.localtime(consultation.closes_at),
        "requires_residency": consultation.requires_residency,
        "questions": format_questions(services.questions_of(consultation)),
    }  # fmt: skip
    form = ConsultationForm(request.POST or None, initial=initial)
    lock_fields(form, {name: reason[lang] + "." for name, reason in locks.items()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["questions"] = None if "questions" in locks else parse_questions(data["questions"])
        except ValueError as exc:
            form.add_error("questions", str(exc))
        else:
            values = {k: v for k, v in data.items() if k not in locks}
            try:
                services.consultation_update(actor=request.user, consultation=consultation,
                                             **values)  # fmt: skip
            except TerritoireError as exc:
                form.add_error(exc.where if exc.where in form.fields else None, exc.localized())
            else:
                messages.success(request, _("Consultation enregistrée."))
                return redirect("workspace:participation_consultation", slug=consultation.slug)
    return render(request, "workspace/participation/consultation_form.html",
                  {"form": form, "project": consultation.project, "consultation": consultation,
                   "locks": locks, "disclosure": _disclosure(consultation, english=bool(lang))},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


def _disclosure(consultation, *, english: bool) -> list[str]:
    """For the service, once results are published: the disclosure module's full report (which
    quartier was hidden by which rule, and the interval each keeps), not shown to the public."""
    if not consultation.results_published_at:
        return []
    results = consultation_results(consultation)
    report = results.protection.report
    if report is None:
        return results.explanation(french=not english)
    return report.sentences("en" if english else "fr")
