"""« Créer une version anonymisée » of a dataset holding personal data (preview of the check,
then the write), and the lineage of a derived dataset. Everything goes through the lake's
anonymisation service (docs/anonymisation.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from territoire.catalog.models import Dataset
from territoire.core.errors import TerritoireError
from territoire.lake import selectors as lake_selectors
from territoire.lake import services as lake_services

from ..anonymise_forms import AnonymiseForm
from .common import editable_dataset


@login_required
def dataset_anonymise_page(request, slug: str):
    dataset = editable_dataset(request, slug)
    version = lake_selectors.dataset_current_version(dataset)
    personal = version is not None and (
        dataset.access_level == "personal" or bool(version.personal_data)
    )
    derived = Dataset.objects.filter(slug=lake_services.derived_slug(dataset)).first()
    context = {"dataset": dataset, "version": version, "personal": personal, "derived": derived}
    if not personal or (version.lineage or {}).get("kind"):
        context["personal"] = False
        return render(request, "workspace/dataset_anonymise.html", context)
    form = AnonymiseForm(request.POST or None, columns=version.columns)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            spec = form.spec()
            if request.POST.get("action") == "write":
                result = lake_services.dataset_anonymise(
                    actor=request.user, dataset=dataset, spec=spec
                )
                messages.success(
                    request,
                    _("Version %(n)s de « %(t)s » écrite : le contrôle est passé.")
                    % {"n": result.version.number, "t": result.dataset.title},
                )
                return redirect("workspace:dataset_lineage", slug=result.dataset.slug)
            preview = lake_services.anonymisation_preview(
                actor=request.user, dataset=dataset, spec=spec
            )
            context["preview"] = preview
            context["preview_sentences"] = preview.check.sentences(request.LANGUAGE_CODE)
        except TerritoireError as exc:
            form.refuse(exc)
    return render(
        request,
        "workspace/dataset_anonymise.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
def dataset_lineage_page(request, slug: str):
    """Where a derived dataset comes from: its source (link), the plan in words, the check."""
    dataset = editable_dataset(request, slug)
    version = lake_selectors.dataset_current_version(dataset)
    source, lineage = lake_selectors.version_derived_from(version) if version else (None, {})
    verdict = lake_selectors.dataset_derivation_verdict(dataset)
    language = "en" if request.LANGUAGE_CODE.startswith("en") else "fr"
    return render(
        request,
        "workspace/dataset_lineage.html",
        {
            "dataset": dataset,
            "version": version,
            "source": source,
            "lineage": lineage,
            "verdict": verdict,
            "plan_words": lineage.get(f"plan_{language}"),
            "sentences": (lineage.get("check") or {}).get(f"sentences_{language}"),
            "reasons": (verdict.reasons_en if language == "en" else verdict.reasons_fr)
            if verdict
            else [],
        },
    )
