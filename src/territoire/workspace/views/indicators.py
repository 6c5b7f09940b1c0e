"""The indicator builder: list, create and edit indicators (with a preview of the series, or of
the exact reason a definition is refused), compute now, and the data officer's publication
decision. Every write goes through the indicators' services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.core.errors import NotFound, PermissionRefused, TerritoireError
from territoire.indicators import selectors as indicator_selectors
from territoire.indicators import services as indicator_services

from ..indicator_forms import IndicatorForm, PublishForm
from .common import require_staff_editor


def _editable(request, slug: str):
    try:
        return indicator_selectors.indicator_get_editable(request.user, slug)
    except (NotFound, PermissionRefused):
        raise Http404 from None


@login_required
def indicator_list(request):
    require_staff_editor(request)
    indicators = indicator_selectors.indicator_list_editable(request.user).order_by("title")
    return render(request, "workspace/indicator_list.html", {"indicators": indicators})


def _preview(request, form):
    try:
        _definition, _public, points = indicator_selectors.definition_preview(
            request.user, form.definition()
        )
    except TerritoireError as exc:
        form.refuse(exc)
        return None
    return points


def _save(request, form, indicator):
    values = form.values()
    themes = [t.code for t in form.cleaned_data["themes"]]
    if indicator is None:
        indicator = indicator_services.indicator_create(
            actor=request.user, title=form.cleaned_data["title"],
            publisher_service=form.cleaned_data["publisher_service"],
            definition=form.definition(), themes=themes, **values,
        )  # fmt: skip
    else:
        indicator_services.indicator_update(
            actor=request.user, indicator=indicator, title=form.cleaned_data["title"],
            definition=form.definition(), themes=themes, **values,
        )  # fmt: skip
    indicator_services.indicator_targets_set(actor=request.user, indicator=indicator,
                                             targets=form.cleaned_data["targets"])  # fmt: skip
    return indicator


def _form_page(request, indicator):
    initial = IndicatorForm.initial_of(indicator) if indicator else {
        "direction": "higher", "frequency": "ANNUAL", "granularity": "commune", "access_level": "internal",
        "measure": "count", "truncate": "year", "normalisation": "none",
    }  # fmt: skip
    form = IndicatorForm(request.POST or None, actor=request.user, initial=initial)
    points = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "preview":
            points = _preview(request, form)
        else:
            try:
                saved = _save(request, form, indicator)
            except TerritoireError as exc:
                form.refuse(exc)
            else:
                run = indicator_services.indicator_compute(actor=request.user, indicator=saved)
                if run.status == "error":
                    messages.error(request, _("Indicateur enregistré, mais le calcul a échoué : %(e)s")
                                   % {"e": run.error.get("fr", "")})  # fmt: skip
                else:
                    messages.success(
                        request,
                        _("Indicateur « %(t)s » enregistré et calculé.") % {"t": saved.title},
                    )
                return redirect("workspace:indicator_edit", slug=saved.slug)
    context = {
        "form": form,
        "indicator": indicator,
        "points": points,
        "is_data_officer": permissions.is_data_officer(request.user),
        "publish_form": PublishForm(),
        "runs": list(indicator.runs.all()[:5]) if indicator else [],
    }
    return render(
        request, "workspace/indicator_form.html", context, status=400 if form.errors else 200
    )


@login_required
def indicator_new(request):
    require_staff_editor(request)
    return _form_page(request, None)


@login_required
def indicator_edit(request, slug: str):
    return _form_page(request, _editable(request, slug))


@login_required
@require_POST
def indicator_compute(request, slug: str):
    indicator = _editable(request, slug)
    run = indicator_services.indicator_compute(actor=request.user, indicator=indicator)
    if run.status == "error":
        messages.error(request, _("Le calcul a échoué : %(e)s") % {"e": run.error.get("fr", "")})
    else:
        messages.success(
            request, _("Indicateur calculé (série version %(v)s).") % {"v": run.series_version}
        )
    return redirect("workspace:indicator_edit", slug=indicator.slug)


@login_required
@require_POST
def indicator_publish(request, slug: str):
    indicator = _editable(request, slug)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            indicator_services.indicator_publish(actor=request.user, indicator=indicator,
                                                 reason=form.cleaned_data["reason"])  # fmt: skip
        except TerritoireError as exc:
            messages.error(request, exc.localized())
        else:
            messages.success(request, _("Indicateur publié."))
            return redirect(reverse("web:indicator", args=[indicator.slug]))
    else:
        messages.error(request, _("Donnez le motif de la décision."))
    return redirect("workspace:indicator_edit", slug=indicator.slug)
