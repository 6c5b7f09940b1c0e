"""Deleting an indicator, an evaluation or a dashboard (a confirmation page, then the service),
and the data officer's recorded decision to make a dashboard public. Each goes through the
indicators' services, which decide who may and refuse with the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoire.accounts import permissions
from territoire.core.errors import NotFound, PermissionRefused, TerritoireError
from territoire.indicators import selectors as indicator_selectors
from territoire.indicators import services as indicator_services
from territoire.indicators.models import Evaluation

from ..forms import AccessibleForm
from .common import require_staff_editor


class ReasonForm(AccessibleForm):
    reason = forms.CharField(label=gettext_lazy("Motif"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class DecisionForm(AccessibleForm):
    reason = forms.CharField(
        label=gettext_lazy("Motif de la décision"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Donnez le motif de la décision.")},
    )  # fmt: skip


@dataclass(frozen=True)
class Deletion:
    """What a delete page needs for one kind of object."""

    heading: str  # French source, translated at render
    find: Callable  # (actor, slug, evaluation) -> the object, or NotFound
    delete: Callable  # the service: (actor=, <object>=, reason=)
    argument: str
    consequence: str
    back: Callable  # (object) -> where to go after


def _evaluation(actor, slug: str, evaluation: str | None):
    indicator = indicator_selectors.indicator_get_for_actor(actor, slug)
    found = Evaluation.objects.filter(indicator=indicator, slug=evaluation).first()
    if found is None:
        raise NotFound("Évaluation introuvable.", "Evaluation not found.")
    return found


DELETIONS = {
    "dashboard": Deletion(
        gettext_lazy("Supprimer le tableau de bord"),
        lambda actor, slug, _e: indicator_selectors.dashboard_get_for_actor(actor, slug),
        indicator_services.dashboard_delete, "dashboard",
        gettext_lazy("Ses blocs disparaissent ; ses indicateurs restent."),
        lambda obj: redirect("workspace:dashboard_list"),
    ),
    "evaluation": Deletion(
        gettext_lazy("Supprimer l'évaluation"), _evaluation,
        indicator_services.evaluation_delete, "evaluation",
        gettext_lazy("Sa page publique disparaît ; l'indicateur reste."),
        lambda obj: redirect("workspace:indicator_edit", slug=obj.indicator.slug),
    ),
    "indicator": Deletion(
        gettext_lazy("Supprimer l'indicateur"),
        lambda actor, slug, _e: indicator_selectors.indicator_get_for_actor(actor, slug),
        indicator_services.indicator_delete, "indicator",
        gettext_lazy("Sa série (le jeu de données calculé), ses versions de définition, ses "
                     "calculs et ses cibles sont supprimés avec lui. Impossible tant qu'un "
                     "tableau de bord ou une évaluation l'utilise."),
        lambda obj: redirect("workspace:indicator_list"),
    ),
}  # fmt: skip


@login_required
def delete_page(request, kind: str, slug: str, evaluation: str | None = None):
    """The confirmation page (GET), then the delete through the service (POST)."""
    require_staff_editor(request)
    deletion = DELETIONS[kind]
    try:
        target = deletion.find(request.user, slug, evaluation)
    except NotFound:
        raise Http404 from None
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            deletion.delete(actor=request.user, reason=form.cleaned_data["reason"],
                            **{deletion.argument: target})  # fmt: skip
        except PermissionRefused as exc:
            raise PermissionDenied(exc.localized()) from None
        except TerritoireError as exc:
            form.refuse(exc)
            status = 400
        else:
            messages.success(request, _("« %(t)s » supprimé.") % {"t": str(target)})
            return deletion.back(target)
    return render(request, "workspace/confirm_delete.html", {
        "form": form, "target": target, "deletion": deletion,
    }, status=status)  # fmt: skip


@login_required
def dashboard_publication(request, slug: str):
    """The data officer's decision to make the dashboard public, with what it covers: the
    indicators it shows that are not public yet are published with it."""
    if not permissions.is_data_officer(request.user):
        raise PermissionDenied(
            _("Seul l'administrateur des données décide de rendre public un tableau de bord.")
        )
    try:
        dashboard = indicator_selectors.dashboard_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator_services.dashboard_publish(actor=request.user, dashboard=dashboard,
                                                 reason=form.cleaned_data["reason"])  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Tableau de bord rendu public."))
            return redirect("workspace:dashboard_edit", slug=dashboard.slug)
    private = sorted(
        {t.indicator for t in dashboard.tiles.select_related("indicator")
         if t.indicator is not None and not t.indicator.is_public},
        key=lambda i: i.title,
    )  # fmt: skip
    return render(request, "workspace/dashboard_publication.html", {
        "form": form, "dashboard": dashboard, "private": private,
    }, status=400 if form.errors else 200)  # fmt: skip
