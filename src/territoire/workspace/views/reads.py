"""« Qui a consulté ces données » : the audited reads of a non-public dataset, for whoever may
change it (its steward, the data officer)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from territoire.core.errors import ValidationFailed

from ..selectors.notifications import dataset_reads
from .common import editable_dataset


@login_required
def dataset_reads_page(request, slug: str):
    dataset = editable_dataset(request, slug)
    try:
        events = dataset_reads(request.user, dataset)
    except ValidationFailed as exc:
        return render(
            request,
            "workspace/dataset_reads.html",
            {"dataset": dataset, "refusal": exc.localized(), "page": None},
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "workspace/dataset_reads.html", {"dataset": dataset, "page": page})
