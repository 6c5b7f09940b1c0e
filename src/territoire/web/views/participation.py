"""The portal's participation pages: the hub, a project (its sheet, results, questions), a
consultation (the questionnaire, then its results), the proposals and their comments."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.core import ratelimit
from territoire.core.errors import NotFound, TerritoireError
from territoire.participation import selectors, services
from territoire.participation.models import Comment
from territoire.participation.results import consultation_results
from territoire.participation.services.guard import form_token, form_token_use
from territoire.participation.vocabularies import FollowKind, ProposalCategory, QuestionKind
from territoire.territories.models import Territory, TerritoryKind

from ..boundaries import home_boundaries
from ..maps import feature_map, svg_map
from ..participation_forms import CommentForm, ProposalForm, QuestionForm
from ..picker import point_picker
from .common import territory_url


def _or_404(read, *args):
    try:
        return read(*args)
    except NotFound:
        raise Http404 from None


def hub(request):
    projects = selectors.project_list_for_actor(request.user).filter(is_published=True)
    consultations = selectors.consultation_list_for_actor(request.user).filter(
        project__is_published=True
    )
    proposals = selectors.proposal_list_for_actor(request.user).filter(is_hidden=False)[:10]
    return render(request, "web/participation/hub.html", {
        "projects": projects, "consultations": consultations, "proposals": proposals,
        "participant": selectors.participant_of(request.user),
        "is_staff_side": permissions.is_agent(request.user) or permissions.is_moderator(request.user),
    })  # fmt: skip


def _fresh(form_class, request, **kwargs):
    return form_class(initial={"form_token": form_token(request.user)}, **kwargs)


def project_detail(request, slug: str, question_form=None, status: int = 200):
    project = _or_404(selectors.project_get_for_actor, request.user, slug)
    area = project.territory
    sheet = selectors.project_sheet(request.user, project)
    return render(request, "web/participation/project.html", {
        "project": project,
        "effects": selectors.project_effects(request.user, sheet.indicators),
        "evaluations": selectors.project_evaluations(request.user, sheet.evaluations),
        "linked_reports": selectors.project_reports(project),
        "lang": (get_language() or "fr")[:2],
        "territory_map": svg_map([(area.geometry, area.name, None)],
                                 tile_url=settings.TERRITOIRE_TILE_URL) if area.geometry else None,
        "territory_url": territory_url(area),
        "sheet": sheet,
        "phases": project.phases.all(),
        "milestones": project.milestones.all(),
        "timeline": project.timeline.all()[:30],
        "questions": selectors.question_list(request.user, project),
        "consultations": project.consultations.all(),
        "proposals": selectors.proposal_list_for_actor(request.user).filter(project=project),
        "question_form": question_form or _fresh(QuestionForm, request),
        "following": services.is_following(request.user, FollowKind.PROJECT, project.pk),
        "participant": selectors.participant_of(request.user),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def project_question(request, slug: str):
    project = _or_404(selectors.project_get_for_actor, request.user, slug)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            form_token_use(form.cleaned_data["form_token"], request.user)
            services.question_ask(actor=request.user, project=project,
                                  text=form.cleaned_data["text"],
                                  honeypot=form.cleaned_data["website"],
                                  address=ratelimit.client_bucket(request))  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Question publiée : le service y répondra ici."))
            return redirect(reverse("web:project", args=[slug]) + "#questions")
    form.data = form.data.copy()
    form.data["form_token"] = form_token(request.user)
    return project_detail(request, slug, question_form=form, status=400)


@login_required
@require_POST
def follow(request, kind: str, pk: int):
    if kind == FollowKind.PROJECT:
        project = selectors.project_list_for_actor(request.user).filter(pk=pk).first()
        if project is None:
            raise Http404
        target = reverse("web:project", args=[project.slug])
    elif kind == FollowKind.PROPOSAL:
        _or_404(selectors.proposal_get_for_actor, request.user, pk)
        target = reverse("web:proposal", args=[pk])
    else:
        raise Http404
    try:
        following = services.follow_set(actor=request.user, kind=kind, object_id=pk,
                                        following=request.POST.get("follow") == "1",
                                        address=ratelimit.client_bucket(request))  # fmt: skip
    except TerritoireError as exc:
        messages.error(request, exc.localized())
    else:
        messages.success(request, _("Vous suivez désormais ces nouvelles.") if following
                         else _("Vous ne suivez plus ces nouvelles."))  # fmt: skip
    return redirect(target)


def _parse_answers(consultation, post) -> dict:
    answers: dict = {}
    for q in consultation.questions.all():
        name = f"q{q.pk}"
        if q.kind == QuestionKind.MULTIPLE:
            answers[q.pk] = post.getlist(name)
        elif q.kind == QuestionKind.RANKING:
            ranks = []
            for i, choice in enumerate(q.choices):
                value = post.get(f"{name}_{i}", "")
                ranks.append((int(value) if value.isdigit() else 999, choice))
            given = [r for r in ranks if r[0] != 999]
            answers[q.pk] = [c for _r, c in sorted(given)] if given else []
            if given and len({r for r, _c in given}) != len(given):
                answers[q.pk] = ["__duplicate__"]
        else:
            answers[q.pk] = post.get(name, "")
    return answers


def _fields(questions, typed) -> list[dict]:
    """What the questionnaire shows for each question, with what was typed (after a refusal)."""
    fields = []
    for q in questions:
        name = f"q{q.pk}"
        chosen = set(typed.getlist(name)) if typed else set()
        options = q.choices
        if q.kind == QuestionKind.SCALE:
            options = [str(n) for n in range(q.scale_min, q.scale_max + 1)]
        fields.append({
            "question": q, "name": name, "text": typed.get(name, "") if typed else "",
            "options": [{"value": o, "id": f"{name}_{i}", "checked": o in chosen,
                         "rank": typed.get(f"{name}_{i}", "") if typed else ""}
                        for i, o in enumerate(options)],
            "ranks": [str(n) for n in range(1, len(options) + 1)],
        })  # fmt: skip
    return fields


def consultation_detail(request, slug: str):
    consultation = _or_404(selectors.consultation_get_for_actor, request.user, slug)
    participant = selectors.participant_of(request.user)
    answered = participant is not None and consultation.responses.filter(
        participant=participant).exists()  # fmt: skip
    error, status, typed = None, 200, {}
    if request.method == "POST":
        typed = request.POST
        try:
            form_token_use(request.POST.get("form_token"), request.user)
            quartier = None
            if request.POST.get("quartier"):
                quartier = Territory.objects.filter(
                    kind=TerritoryKind.QUARTIER, pk=request.POST["quartier"]).first()  # fmt: skip
                if quartier is None:
                    raise NotFound("Quartier inconnu.", "Unknown quartier.", where="quartier")
            services.response_submit(actor=request.user, consultation=consultation,
                                     answers=_parse_answers(consultation, request.POST),
                                     quartier=quartier, honeypot=request.POST.get("website", ""),
                                     address=ratelimit.client_bucket(request))  # fmt: skip
        except TerritoireError as exc:
            error, status = exc, 400
        else:
            messages.success(request, _("Merci : votre réponse est enregistrée."))
            return redirect("web:consultation", slug=slug)
    is_open = services.is_open(consultation)
    results = consultation_results(consultation) if consultation.results_published_at else None
    return render(request, "web/participation/consultation.html", {
        "consultation": consultation, "fields": _fields(consultation.questions.all(), typed),
        "is_open": is_open, "answered": answered, "participant": participant,
        "results": results, "error": error, "typed": typed,
        "quartiers": Territory.objects.filter(kind=TerritoryKind.QUARTIER).order_by("name"),
        "form_token": form_token(request.user),
        "threshold": settings.TERRITOIRE_PARTICIPATION_MIN_GROUP,
    }, status=status)  # fmt: skip


def proposal_list(request):
    proposals = selectors.proposal_list_for_actor(request.user).filter(is_hidden=False)
    category = request.GET.get("categorie", "")
    if category:
        proposals = proposals.filter(category=category)
    points = [(p.longitude, p.latitude, p.title) for p in proposals if p.has_point]
    proposal_map = feature_map(points, [], home_boundaries(), tile_url=settings.TERRITOIRE_TILE_URL)
    return render(request, "web/participation/proposal_list.html", {
        "proposals": proposals, "category": category, "categories": ProposalCategory.choices,
        "proposal_map": proposal_map if points else None,
    })  # fmt: skip


@login_required
def proposal_new(request):
    projects = selectors.project_list_for_actor(request.user).filter(is_published=True)
    services_qs = selectors.proposal_services()
    if request.method == "POST":
        form = ProposalForm(request.POST, projects=projects, services=services_qs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                form_token_use(data["form_token"], request.user)
                proposal = services.proposal_create(
                    actor=request.user, title=data["title"], text=data["text"],
                    category=data["category"], project=data["project"], service=data["service"],
                    latitude=data["latitude"], longitude=data["longitude"],
                    honeypot=data["website"], address=ratelimit.client_bucket(request),
                )  # fmt: skip
            except TerritoireError as exc:
                form.refuse(exc)
            else:
                messages.success(request, _("Proposition publiée."))
                return redirect("web:proposal", pk=proposal.pk)
        form.data = form.data.copy()
        form.data["form_token"] = form_token(request.user)
        status = 400
    else:
        initial = {"form_token": form_token(request.user)}
        if request.GET.get("projet"):
            initial["project"] = projects.filter(slug=request.GET["projet"]).first()
        form = ProposalForm(initial=initial, projects=projects, services=services_qs)
        status = 200
    return render(request, "web/participation/proposal_new.html",
                  {"form": form, "participant": selectors.participant_of(request.user),
                   "picker": point_picker(home_boundaries())},
                  status=status)  # fmt: skip


def proposal_detail(request, pk: int, comment_form=None, status: int = 200):
    proposal = _or_404(selectors.proposal_get_for_actor, request.user, pk)
    participant = selectors.participant_of(request.user)
    return render(request, "web/participation/proposal.html", {
        "proposal": proposal,
        "comments": selectors.comment_tree(request.user, proposal),
        "comment_form": comment_form or CommentForm(initial={
            "form_token": form_token(request.user),
            "parent": request.GET.get("reponse") if request.GET.get("reponse", "").isdigit() else None,
        }),
        "supported": request.user.is_authenticated
        and proposal.supports.filter(user=request.user).exists(),
        "following": services.is_following(request.user, FollowKind.PROPOSAL, proposal.pk),
        "participant": participant,
        "form_token": form_token(request.user),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def proposal_support(request, pk: int):
    proposal = _or_404(selectors.proposal_get_for_actor, request.user, pk)
    try:
        services.proposal_support(actor=request.user, proposal=proposal,
                                  address=ratelimit.client_bucket(request))  # fmt: skip
    except TerritoireError as exc:
        messages.error(request, exc.localized())
    else:
        messages.success(request, _("Merci pour votre soutien."))
    return redirect("web:proposal", pk=pk)


@login_required
@require_POST
def proposal_comment(request, pk: int):
    proposal = _or_404(selectors.proposal_get_for_actor, request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent_id = form.cleaned_data["parent"]
        parent = Comment.objects.filter(pk=parent_id).first() if parent_id else None
        try:
            form_token_use(form.cleaned_data["form_token"], request.user)
            comment = services.comment_add(actor=request.user, proposal=proposal,
                                           text=form.cleaned_data["text"], parent=parent,
                                           honeypot=form.cleaned_data["website"],
                                           address=ratelimit.client_bucket(request))  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Commentaire publié."))
            return redirect(reverse("web:proposal", args=[pk]) + f"#commentaire-{comment.pk}")
    form.data = form.data.copy()
    form.data["form_token"] = form_token(request.user)
    return proposal_detail(request, pk, comment_form=form, status=400)
