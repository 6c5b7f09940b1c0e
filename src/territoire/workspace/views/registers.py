"""The registers in the workspace: the entries a person may change, and the forms to create and
edit them (through the registers' services), with each entry's history in words."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from territoire.core.errors import NotFound, PermissionRefused, TerritoireError
from territoire.registers import exports, history
from territoire.registers import selectors as register_selectors
from territoire.registers import services as register_services
from territoire.registers.models import Algorithm, ProcessingActivity

from ..register_forms import AlgorithmForm, ProcessingForm
from .common import require_staff_editor

KINDS = {
    "traitements": {
        "model": ProcessingActivity,
        "form": ProcessingForm,
        "get": register_selectors.processing_get_editable,
        "create": register_services.processing_create,
        "update": register_services.processing_update,
        "public": "web:processing",
        "template": "workspace/registers/processing_form.html",
    },
    "algorithmes": {
        "model": Algorithm,
        "form": AlgorithmForm,
        "get": register_selectors.algorithm_get_editable,
        "create": register_services.algorithm_create,
        "update": register_services.algorithm_update,
        "public": "web:algorithm",
        "template": "workspace/registers/algorithm_form.html",
    },
}


def _kind(kind: str) -> dict:
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


@login_required
def register_list(request):
    require_staff_editor(request)
    return render(
        request,
        "workspace/registers/list.html",
        {
            "processing": register_selectors.entries_editable(request.user, ProcessingActivity),
            "algorithms": register_selectors.entries_editable(request.user, Algorithm),
        },
    )


def _render(request, spec, form, entry, kind):
    context = {"form": form, "entry": entry, "kind": kind}
    if entry is not None:
        context["history"] = history.staff_history(entry)
        if isinstance(entry, ProcessingActivity):
            context["verdict"] = exports.dpia_verdict(entry)
    return render(request, spec["template"], context, status=400 if form.errors else 200)


@login_required
def register_new(request, kind: str):
    require_staff_editor(request)
    spec = _kind(kind)
    initial = {"automation": "assist"} if kind == "algorithmes" else {}
    form = spec["form"](request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = spec["create"](actor=request.user, **form.values())
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Entrée « %(name)s » créée.") % {"name": entry.name})
            return redirect("workspace:register_edit", kind=kind, slug=entry.slug)
    return _render(request, spec, form, None, kind)


@login_required
def register_edit(request, kind: str, slug: str):
    require_staff_editor(request)
    spec = _kind(kind)
    try:
        entry = spec["get"](request.user, slug)
    except (NotFound, PermissionRefused):
        raise Http404 from None
    form = spec["form"](
        request.POST or None, actor=request.user, initial=spec["form"].initial_from(entry)
    )
    if request.method == "POST" and form.is_valid():
        try:
            spec["update"](actor=request.user, entry=entry, **form.values())
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Entrée enregistrée."))
            return redirect("workspace:register_edit", kind=kind, slug=entry.slug)
    return _render(request, spec, form, entry, kind)
