"""Document a dataset's columns: label, description, unit, kept across versions (catalogue's
``column_descriptions_set``); what the portal and every API then show."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.core.errors import TerritoireError
from territoire.lake import selectors as lake_selectors
from territoire.records import selectors as record_selectors

from ..forms import ColumnsForm
from .common import editable_dataset


@login_required
def dataset_columns(request, slug: str):
    dataset = editable_dataset(request, slug)
    version = lake_selectors.dataset_current_version(dataset)
    fields = record_selectors.fields_documented(dataset.pk, version.columns if version else [])
    documented = catalog_selectors.column_descriptions_get(dataset.pk)
    form = ColumnsForm(request.POST or None, columns=fields, documented=documented)
    if request.method == "POST" and form.is_valid():
        try:
            catalog_services.column_descriptions_set(
                actor=request.user, dataset=dataset, descriptions=form.descriptions()
            )
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Documentation des colonnes enregistrée."))
            return redirect("workspace:dataset_columns", slug=dataset.slug)
    current = {f.id for f in fields}
    return render(
        request,
        "workspace/dataset_columns.html",
        {
            "dataset": dataset,
            "version": version,
            "form": form,
            "former": [d for column, d in sorted(documented.items()) if column not in current],
            "undocumented": sum(1 for f in fields if not f.is_documented),
        },
        status=400 if form.errors else 200,
    )
