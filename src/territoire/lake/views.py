"""Back-office pages of the lake (/espace/): the datasets a person may load, upload, job progress,
ingestion report, column types, publication. Server-rendered, no JavaScript needed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.core.errors import NotFound, PermissionRefused, TerritoireError
from territoire.trust.selectors import personal_data_decision_latest

from . import selectors, services, tasks
from .forms import DecisionForm, LakeSettingsForm, TypeOverrideForm, UploadForm
from .models import JobKind, JobStatus
from .report import report_masked
from .uploads import upload_gate


def _editable(request, slug: str):
    """The dataset if the person may load its data; not-found otherwise, whoever they are (the
    back-office does not tell outsiders which datasets exist)."""
    try:
        return catalog_selectors.dataset_get_editable(request.user, slug)
    except (NotFound, PermissionRefused):
        raise Http404 from None


def _fail(request, exc: TerritoireError) -> None:
    messages.error(request, exc.localized())


@login_required
def home(request):
    if not (
        permissions.is_data_officer(request.user) or permissions.stewarded_service_ids(request.user)
    ):
        raise PermissionDenied(
            "Espace réservé aux relais données et aux administrateurs des données."
        )
    datasets = list(selectors.dataset_list_editable(request.user))
    return render(
        request,
        "lake/home.html",
        {"datasets": datasets, "is_data_officer": permissions.is_data_officer(request.user)},
    )


def _dataset_context(request, dataset, **forms) -> dict:
    lake = services.dataset_lake_get(dataset)
    current = lake.current_version
    columns = current.columns if current else []
    jobs = list(selectors.dataset_jobs(dataset, request.user, limit=5))
    running = next((j for j in jobs if not j.is_finished), None)
    context = {
        "dataset": dataset,
        "lake": lake,
        "current": current,
        "versions": list(selectors.dataset_versions(dataset)[:50]),
        "jobs": jobs,
        "running_job": running,
        "running_notice": tasks.job_notice(running) if running is not None else None,
        "report": report_masked(current.report) if current else None,
        "decision": personal_data_decision_latest(dataset),
        "is_data_officer": permissions.is_data_officer(request.user),
        "review_required": catalog_selectors.publication_review_required(dataset),
        "upload_form": forms.get("upload_form") or UploadForm(current_schema=lake.schema_ref),
        "type_form": forms.get("type_form")
        or (TypeOverrideForm(columns=columns, overrides=lake.type_overrides) if columns else None),
        "settings_form": forms.get("settings_form")
        or LakeSettingsForm(
            columns=columns, initial={"key_column": lake.key_column, "schema": lake.schema_ref}
        ),
        "decision_form": forms.get("decision_form") or DecisionForm(),
    }
    return context


@login_required
def dataset_page(request, slug: str):
    dataset = _editable(request, slug)
    return render(request, "lake/dataset.html", _dataset_context(request, dataset))


@upload_gate("lake:upload")
def _upload_gate(request, slug: str):
    """Run by uploads.UploadSizeLimitMiddleware before the body is read (even CSRF's check reads
    it): the view's own refusals, without reading what a refused sender sent."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _editable(request, slug)
    return None


@login_required
@require_POST
def upload(request, slug: str):
    dataset = _editable(request, slug)
    lake = services.dataset_lake_get(dataset)
    form = UploadForm(request.POST, request.FILES, current_schema=lake.schema_ref)
    if not form.is_valid():
        return render(
            request,
            "lake/dataset.html",
            _dataset_context(request, dataset, upload_form=form),
            status=400,
        )
    uploaded = form.cleaned_data["file"]
    try:
        path = services.upload_store(chunks=uploaded.chunks(), original_name=uploaded.name)
    except TerritoireError as exc:
        _fail(request, exc)
        return redirect("lake:dataset", slug=dataset.slug)
    try:
        job = tasks.ingest_job_enqueue(
            actor=request.user,
            dataset=dataset,
            upload_path=path,
            original_name=uploaded.name,
            schema_ref=form.cleaned_data["schema"] or None,
            publish=form.cleaned_data["publish"],
        )
    except TerritoireError as exc:
        services.upload_discard(path)
        _fail(request, exc)
        return redirect("lake:dataset", slug=dataset.slug)
    return redirect("lake:job", job_id=job.pk)


@login_required
@require_POST
def type_overrides(request, slug: str):
    dataset = _editable(request, slug)
    lake = services.dataset_lake_get(dataset)
    columns = lake.current_version.columns if lake.current_version else []
    form = TypeOverrideForm(request.POST, columns=columns, overrides=lake.type_overrides)
    if not columns or not form.is_valid():
        return render(
            request,
            "lake/dataset.html",
            _dataset_context(request, dataset, type_form=form),
            status=400,
        )
    try:
        services.dataset_set_type_overrides(
            actor=request.user, dataset=dataset, overrides=form.overrides()
        )
        job = tasks.ingest_job_enqueue(
            actor=request.user,
            dataset=dataset,
            kind=JobKind.REINGEST,
            original_name=lake.current_version.source_name,
        )
    except TerritoireError as exc:
        _fail(request, exc)
        return redirect("lake:dataset", slug=dataset.slug)
    messages.success(request, _("Types enregistrés : le fichier est rechargé avec ces types."))
    return redirect("lake:job", job_id=job.pk)


@login_required
@require_POST
def lake_settings(request, slug: str):
    dataset = _editable(request, slug)
    lake = services.dataset_lake_get(dataset)
    columns = lake.current_version.columns if lake.current_version else []
    form = LakeSettingsForm(request.POST, columns=columns, initial={"schema": lake.schema_ref})
    if not form.is_valid():
        return render(
            request,
            "lake/dataset.html",
            _dataset_context(request, dataset, settings_form=form),
            status=400,
        )
    try:
        services.dataset_lake_update(
            actor=request.user,
            dataset=dataset,
            key_column=form.cleaned_data["key_column"],
            schema_ref=form.cleaned_data["schema"],
        )
    except TerritoireError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Réglages enregistrés."))
    return redirect("lake:dataset", slug=dataset.slug)


# The publication workflow's steps, each one call of catalog's publication service (which holds
# the rules: review before publication, personal data), and what the page says once done.
PUBLICATION_STEPS = {
    "publish": (
        lambda actor, d, comment: catalog_services.dataset_publish(
            actor=actor, dataset=d, reason=comment
        ),
        _("Jeu de données publié."),
    ),
    "unpublish": (
        lambda actor, d, comment: catalog_services.dataset_unpublish(
            actor=actor, dataset=d, reason=comment
        ),
        _("Jeu de données dépublié."),
    ),
    "submit": (
        lambda actor, d, comment: catalog_services.dataset_submit(
            actor=actor, dataset=d, comment=comment
        ),
        _("Jeu de données soumis à l'administrateur des données."),
    ),
    "send_back": (
        lambda actor, d, comment: catalog_services.dataset_send_back(
            actor=actor, dataset=d, comment=comment
        ),
        _("Jeu de données renvoyé au relais avec votre commentaire."),
    ),
    "request_decision": (
        lambda actor, d, comment: catalog_services.personal_data_review_request(
            actor=actor, dataset=d, comment=comment
        ),
        _("Décision demandée à l'administrateur des données."),
    ),
}


@login_required
@require_POST
def publication(request, slug: str):
    dataset = _editable(request, slug)
    # The workspace's pages post here too and ask to come back to where they were.
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("lake:dataset", args=[dataset.slug]) + "#publication"
    step = PUBLICATION_STEPS.get(request.POST.get("action", ""))
    if step is None:
        messages.error(request, _("Action inconnue."))
        return redirect(target)
    change, done = step
    try:
        change(request.user, dataset, request.POST.get("comment", ""))
    except TerritoireError as exc:
        _fail(request, exc)
    else:
        messages.success(request, done)
    return redirect(target)


@login_required
@require_POST
def decision(request, slug: str):
    dataset = _editable(request, slug)
    if not permissions.is_data_officer(request.user):
        raise PermissionDenied(
            "Seul l'administrateur des données enregistre une décision sur les données personnelles."
        )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "lake/dataset.html",
            _dataset_context(request, dataset, decision_form=form),
            status=400,
        )
    was_published = dataset.is_published
    try:
        catalog_services.personal_data_decision_record(
            actor=request.user,
            dataset=dataset,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except TerritoireError as exc:
        _fail(request, exc)
    else:
        if was_published and not dataset.is_published:
            messages.success(
                request,
                _("Décision enregistrée au journal d'audit : le jeu de données est dépublié."),
            )
        else:
            messages.success(request, _("Décision enregistrée au journal d'audit."))
    return redirect("lake:dataset", slug=dataset.slug)


@login_required
def version_page(request, slug: str, number: int):
    dataset = _editable(request, slug)
    try:
        version = selectors.version_get(dataset, number)
    except NotFound:
        raise Http404 from None
    lake = selectors.dataset_lake(dataset)
    return render(
        request,
        "lake/version.html",
        {
            "dataset": dataset,
            "version": version,
            "report": report_masked(version.report),
            "is_current": lake and lake.current_version_id == version.pk,
        },
    )


@login_required
def compare_page(request, slug: str):
    dataset = _editable(request, slug)
    versions = list(selectors.dataset_versions(dataset).values_list("number", flat=True))
    diff, error = None, None
    try:
        old, new = int(request.GET.get("from", "")), int(request.GET.get("to", ""))
    except ValueError:
        old = new = None
        if len(versions) >= 2:
            old, new = versions[1], versions[0]
    if old is not None and new is not None:
        try:
            diff = selectors.version_compare(dataset, old, new)
        except TerritoireError as exc:
            error = exc.localized()
    return render(
        request,
        "lake/compare.html",
        {
            "dataset": dataset,
            "versions": versions,
            "diff": diff,
            "error": error,
            "old": old,
            "new": new,
        },
    )


@login_required
def job_page(request, job_id: int):
    try:
        job = tasks.ingest_job_expire(selectors.job_get_for_actor(request.user, job_id))
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "lake/job.html",
        {
            "job": job,
            "dataset": job.dataset,
            "report": report_masked(job.report) or None,
            "refresh": job.status in {JobStatus.QUEUED, JobStatus.RUNNING},
            "statuses": JobStatus.choices,
            "notice": tasks.job_notice(job),
        },
    )
