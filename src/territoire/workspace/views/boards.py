"""The dashboard composer (title, access, which indicators in which order) and the evaluations
of an indicator (the intervention, treated and comparison territories, and the measured effect
shown at once). Every write goes through the indicators' services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.core.errors import NotFound, PermissionRefused, TerritoireError
from territoire.indicators import selectors as indicator_selectors
from territoire.indicators import services as indicator_services
from territoire.indicators.models import Evaluation

from ..board_forms import DashboardForm, EvaluationForm
from .common import require_staff_editor


@login_required
def dashboard_list(request):
    require_staff_editor(request)
    dashboards = indicator_selectors.dashboard_list_editable(request.user).order_by("title")
    return render(request, "workspace/dashboard_list.html", {"dashboards": dashboards})


def _dashboard_page(request, dashboard):
    indicators = indicator_selectors.indicator_list_for_actor(request.user).order_by("title")
    initial = {"access_level": "internal"}
    if dashboard is not None:
        initial = {
            "title": dashboard.title, "description": dashboard.description,
            "publisher_service": dashboard.publisher_service_id, "access_level": dashboard.access_level,
            **{f"tile_{t.indicator_id}": t.position + 1 for t in dashboard.tiles.all() if t.indicator_id},
            **{f"kind_{t.indicator_id}": t.kind for t in dashboard.tiles.all() if t.indicator_id},
            **{key: value for t in dashboard.tiles.all() if not t.indicator_id
               for key, value in (("text", t.text), ("text_position", t.position + 1))},
        }  # fmt: skip
    form = DashboardForm(request.POST or None, actor=request.user, indicators=indicators,
                         initial=initial)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if dashboard is None:
                dashboard = indicator_services.dashboard_create(
                    actor=request.user, title=d["title"], description=d["description"],
                    publisher_service=d["publisher_service"], access_level=d["access_level"],
                    blocks=form.blocks(),
                )  # fmt: skip
            else:
                indicator_services.dashboard_update(
                    actor=request.user, dashboard=dashboard, title=d["title"],
                    description=d["description"], access_level=d["access_level"],
                    blocks=form.blocks(),
                )  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request, _("Tableau de bord « %(t)s » enregistré.") % {"t": dashboard.title}
            )
            return redirect("workspace:dashboard_edit", slug=dashboard.slug)
    context = {
        "form": form, "dashboard": dashboard,
        "is_data_officer": permissions.is_data_officer(request.user),
    }  # fmt: skip
    return render(request, "workspace/dashboard_form.html", context,
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
def dashboard_new(request):
    require_staff_editor(request)
    return _dashboard_page(request, None)


@login_required
def dashboard_edit(request, slug: str):
    require_staff_editor(request)
    dashboard = indicator_selectors.dashboard_list_editable(request.user).filter(slug=slug).first()
    if dashboard is None:
        raise Http404
    return _dashboard_page(request, dashboard)


@login_required
def evaluation_edit(request, slug: str, evaluation: str | None = None):
    """A new evaluation of the indicator ``slug``, or the evaluation ``evaluation`` of it."""
    try:
        indicator = indicator_selectors.indicator_get_editable(request.user, slug)
    except (NotFound, PermissionRefused):
        raise Http404 from None
    current = None
    if evaluation is not None:
        current = Evaluation.objects.filter(indicator=indicator, slug=evaluation).first()
        if current is None:
            raise Http404
    initial = {}
    if current is not None:
        initial = {
            "title": current.title, "description": current.description,
            "intervention_date": current.intervention_date,
            "treated": ", ".join(current.treated), "comparison": ", ".join(current.comparison),
        }  # fmt: skip
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values = {
            "title": d["title"], "description": d["description"],
            "intervention_date": d["intervention_date"],
            "treated": form.codes(d["treated"]), "comparison": form.codes(d["comparison"]),
        }  # fmt: skip
        try:
            if current is None:
                current = indicator_services.evaluation_create(
                    actor=request.user, indicator=indicator, **values
                )
            else:
                indicator_services.evaluation_update(
                    actor=request.user, evaluation=current, **values
                )
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Évaluation « %(t)s » enregistrée.") % {"t": current.title})
            return redirect(
                "workspace:evaluation_edit", slug=indicator.slug, evaluation=current.slug
            )
    result = indicator_selectors.evaluation_assess(request.user, current) if current else None
    return render(request, "workspace/evaluation_form.html", {
        "form": form, "indicator": indicator, "evaluation": current, "result": result,
        "evaluations": indicator.evaluations.order_by("title"),
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
def dashboard_embed(request, slug: str):
    """The data officer's list of sites allowed to embed the dashboard (one origin a line)."""
    require_staff_editor(request)
    dashboard = indicator_selectors.dashboard_list_editable(request.user).filter(slug=slug).first()
    if dashboard is None:
        raise Http404
    origins = request.POST.get("embed_origins", "").splitlines()
    try:
        indicator_services.dashboard_embed_set(
            actor=request.user, dashboard=dashboard, origins=origins
        )
    except TerritoireError as exc:
        messages.error(request, exc.localized())
    else:
        messages.success(request, _("Sites autorisés enregistrés."))
    return redirect("workspace:dashboard_edit", slug=dashboard.slug)
