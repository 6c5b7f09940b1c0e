"""Create a dataset and edit its description (every DCAT-AP field), through the catalogue's
services; the publication block and the links to the files' pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.core.errors import TerritoireError

from ..forms import DatasetForm
from ..selectors.quality import dataset_quality
from .common import editable_dataset, require_staff_editor


def _initial(dataset) -> dict:
    return {
        "title": dataset.title,
        "description": dataset.description,
        "publisher_service": dataset.publisher_service_id,
        "steward": dataset.steward_id,
        "keywords": dataset.keywords,
        "themes": list(dataset.themes.all()),
        "licence": dataset.licence,
        "frequency": dataset.frequency,
        "territories": list(dataset.territories.all()),
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "landing_page": dataset.landing_page,
        "access_level": dataset.access_level,
    }


@login_required
def dataset_new(request):
    require_staff_editor(request)
    form = DatasetForm(
        request.POST or None,
        actor=request.user,
        # The relay who declares a dataset is its steward unless they choose another member
        # (preselected only when they are one of the candidates the list offers).
        initial={
            "licence": "etalab-2.0",
            "frequency": "UNKNOWN",
            "access_level": "internal",
            "steward": request.user.pk,
        },
    )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            dataset = catalog_services.dataset_create(
                actor=request.user,
                title=values.pop("title"),
                publisher=values.pop("publisher"),
                **values,
            )
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(
                request,
                _("Jeu de données « %(title)s » créé. Déposez maintenant son fichier.")
                % {"title": dataset.title},
            )
            return redirect(reverse("lake:dataset", args=[dataset.slug]) + "#depot")
    return render(
        request,
        "workspace/dataset_form.html",
        {"form": form, "dataset": None},
        status=400 if form.errors else 200,
    )


@login_required
def dataset_edit(request, slug: str):
    dataset = editable_dataset(request, slug)
    form = DatasetForm(request.POST or None, actor=request.user, initial=_initial(dataset))
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            catalog_services.dataset_update(actor=request.user, dataset=dataset, **values)
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Fiche du jeu de données enregistrée."))
            return redirect("workspace:dataset_edit", slug=dataset.slug)
    return render(
        request,
        "workspace/dataset_form.html",
        {
            "form": form,
            "dataset": dataset,
            "is_data_officer": permissions.is_data_officer(request.user),
            "review_required": catalog_selectors.publication_review_required(dataset),
            "quality": dataset_quality(dataset),
            "next": reverse("workspace:dataset_edit", args=[dataset.slug]) + "#publication",
        },
        status=400 if form.errors else 200,
    )
