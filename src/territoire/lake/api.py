"""Lake endpoints of the native API: uploads (background jobs), jobs, versions, diffs, Parquet files.

Writes need a token with the "write" scope, or a session with its CSRF token; reads follow the
dataset's access level (not-found for those who may not see it), and reads of non-public datasets
are audited.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from territoire.accounts import permissions
from territoire.accounts.authentication import (
    actor_of,
    write_actor_claimed,
    writer_of,
)
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.core import ratelimit
from territoire.core.errors import NotFound, ValidationFailed
from territoire.core.schemas import COMMON_ERRORS, ErrorOut
from territoire.schemas.registry import schema_list

from . import selectors, services, tasks
from .models import IngestJob, JobKind
from .report import columns_masked, report_masked, validation_masked
from .schemas import (
    AnonymisationIn,
    AnonymisationOut,
    JobOut,
    TypeOverridesIn,
    TypeOverridesOut,
    UploadAcceptedOut,
    VersionDetailOut,
    VersionOut,
)
from .uploads import upload_gate

router = Router(tags=["lac de données"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS}


def _reader(request):
    return actor_of(request)


# Writes: a "write" token, or a session whose CSRF token checks out (accounts.authentication).
_write_actor = write_actor_claimed
_writer = writer_of


@upload_gate("api-v1:lake-upload")
def _upload_gate(request, slug: str) -> None:
    """Run by uploads.UploadSizeLimitMiddleware before the body is read: no reading for a sender
    who would be refused (CSRF and the rate limit are checked by the view, on the body)."""
    catalog_selectors.dataset_get_editable(_write_actor(request), slug)


def _readable_dataset(request, actor, slug: str):
    dataset = catalog_selectors.dataset_get_for_actor(actor, slug)
    catalog_services.dataset_read_record(
        actor=actor, dataset=dataset, channel="api/v1 lac", ip_address=ratelimit.client_ip(request)
    )
    return dataset


def _job_url(job: IngestJob) -> str:
    return reverse("api-v1:lake-job", kwargs={"job_id": job.pk})


def stage_in_english(stage: str) -> str:
    """A job's stage is stored in French; the catalogue has the fixed ones in English (a stage
    with a name or a number in it stays French)."""
    with translation.override("en"):
        return translation.gettext(stage) if stage else ""


def _job_out(job: IngestJob) -> dict:
    return {
        "id": job.pk,
        "dataset": job.dataset.slug,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "stage_en": stage_in_english(job.stage),
        "source_name": job.source_name,
        "version": job.version.number if job.version else None,
        "report": report_masked(job.report),
        "error": job.error,
        "created_by": job.created_by.username if job.created_by else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "notice": tasks.job_notice(job),
    }


def _version_out(version, current_id, *, staff: bool, detail: bool = False) -> dict:
    """A version as the API shows it: who loaded it only to staff (agents, stewards, data
    officers: a username is an account to attack), values of flagged columns masked."""
    data = {
        "number": version.number,
        "is_current": version.pk == current_id,
        "source_name": version.source_name,
        "source_format": version.source_format,
        "source_checksum": version.source_checksum,
        "parquet_checksum": version.parquet_checksum,
        "byte_size": version.byte_size,
        "row_count": version.row_count,
        "conformity": version.conformity,
        "schema_ref": version.schema_ref,
        "personal_data": version.personal_data,
        "created_by": version.created_by.username if staff and version.created_by else None,
        "created_at": version.created_at,
        "parquet_url": reverse(
            "api-v1:lake-version-parquet",
            kwargs={"slug": version.dataset.slug, "number": version.number},
        ),
    }
    if detail:
        data.update(
            columns=columns_masked(version.columns, version.personal_data),
            validation=validation_masked(version.validation, version.personal_data),
            report=report_masked(version.report),
        )
    return data


@router.post(
    "/datasets/{slug}/uploads",
    response={202: UploadAcceptedOut, **ERRORS, 413: ErrorOut},
    url_name="lake-upload",
    summary="Déposer un fichier (ingestion en tâche de fond)",
)
def upload_create(
    request,
    slug: str,
    file: File[UploadedFile],
    schema_ref: str | None = Form(None, alias="schema"),
    publish: bool = Form(False),
):
    actor = _writer(request)
    dataset = catalog_selectors.dataset_get_editable(actor, slug)
    _check_bundled_schema(schema_ref)
    path = services.upload_store(chunks=file.chunks(), original_name=file.name or "fichier")
    try:
        job = tasks.ingest_job_enqueue(
            actor=actor,
            dataset=dataset,
            upload_path=path,
            original_name=file.name or path.name,
            schema_ref=schema_ref or None,
            publish=publish,
        )
    except BaseException:
        services.upload_discard(path)
        raise
    return Status(
        202,
        {"job": job.pk, "status": job.status, "status_url": _job_url(job), "dataset": dataset.slug},
    )


def _check_bundled_schema(schema_ref: str | None) -> None:
    """Over HTTP only bundled schemas (by name or schema.data.gouv.fr identifier) are accepted: a
    path would read files on the server and a URL would make the server fetch arbitrary addresses.
    The CLI, run by an operator, accepts paths and URLs."""
    if not schema_ref:
        return
    known = {item["name"] for item in schema_list()} | {
        item.get("identifier") for item in schema_list()
    }
    if schema_ref not in known:
        raise ValidationFailed(
            f"Schéma « {schema_ref} » inconnu : indiquez le nom d'un schéma fourni (voir docs/schemas.md), "
            "par exemple scdl-deliberations.",
            f"Unknown schema '{schema_ref}': give the name of a bundled schema (see docs/schemas.md), "
            "e.g. scdl-deliberations.",
            where="schema",
        )


@router.get(
    "/jobs/{job_id}",
    response={200: JobOut, **ERRORS},
    url_name="lake-job",
    summary="État d'une tâche d'ingestion",
)
def job_get(request, job_id: int):
    actor = _reader(request)
    return _job_out(tasks.ingest_job_expire(selectors.job_get_for_actor(actor, job_id)))


@router.get(
    "/datasets/{slug}/versions",
    response={200: list[VersionOut], **ERRORS},
    url_name="lake-versions",
    summary="Versions d'un jeu de données",
)
def version_list(request, slug: str):
    actor = _reader(request)
    dataset = _readable_dataset(request, actor, slug)
    lake = selectors.dataset_lake(dataset)
    current_id = lake.current_version_id if lake else None
    return [
        _version_out(v, current_id, staff=permissions.is_agent(actor))
        for v in selectors.dataset_versions(dataset).select_related("dataset")
    ]


@router.get(
    "/datasets/{slug}/versions/compare",
    response={200: dict, **ERRORS},
    url_name="lake-versions-compare",
    summary="Comparer deux versions (schéma ; lignes par clé)",
)
def version_compare(
    request, slug: str, from_: int = Query(..., alias="from"), to: int = Query(...)
):
    actor = _reader(request)
    dataset = _readable_dataset(request, actor, slug)
    return selectors.version_compare(dataset, from_, to)


@router.get(
    "/datasets/{slug}/versions/{number}",
    response={200: VersionDetailOut, **ERRORS},
    url_name="lake-version",
    summary="Une version : colonnes, statistiques, rapport",
)
def version_detail(request, slug: str, number: int):
    actor = _reader(request)
    dataset = _readable_dataset(request, actor, slug)
    version = selectors.version_get(dataset, number)
    lake = selectors.dataset_lake(dataset)
    return _version_out(
        version,
        lake.current_version_id if lake else None,
        staff=permissions.is_agent(actor),
        detail=True,
    )


@router.get(
    "/datasets/{slug}/versions/{number}/parquet",
    response={200: None, **ERRORS},
    url_name="lake-version-parquet",
    summary="Télécharger une version au format Parquet",
)
def version_parquet(request, slug: str, number: int):
    actor = _reader(request)
    dataset = _readable_dataset(request, actor, slug)
    catalog_selectors.dataset_check_whole_files(actor, dataset)
    version = selectors.version_get(dataset, number)
    path = version.absolute_path
    if not path.is_file():
        raise NotFound(
            f"Le fichier de la version {number} de « {slug} » est introuvable sur le disque : prévenez l'administrateur.",
            f"The file of version {number} of '{slug}' is missing on disk: tell the administrator.",
            where="number",
        )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{dataset.slug}-v{version.number}.parquet",
        content_type="application/vnd.apache.parquet",
    )
    response["ETag"] = f'"{version.parquet_checksum}"'
    return response


@router.put(
    "/datasets/{slug}/type-overrides",
    response={200: TypeOverridesOut, 202: TypeOverridesOut, **ERRORS},
    url_name="lake-type-overrides",
    summary="Forcer le type de colonnes (et recharger)",
)
def type_overrides_set(request, slug: str, payload: TypeOverridesIn):
    actor = _writer(request)
    dataset = catalog_selectors.dataset_get_editable(actor, slug)
    overrides = {column: kind or "" for column, kind in payload.overrides.items()}
    lake = services.dataset_set_type_overrides(actor=actor, dataset=dataset, overrides=overrides)
    out = {"dataset": dataset.slug, "type_overrides": lake.type_overrides}
    if payload.reload and lake.current_version_id:
        job = tasks.ingest_job_enqueue(
            actor=actor,
            dataset=dataset,
            kind=JobKind.REINGEST,
            original_name=lake.current_version.source_name,
        )
        return Status(202, {**out, "job": job.pk, "status_url": _job_url(job)})
    return Status(200, out)


@router.post(
    "/datasets/{slug}/anonymisations",
    response={200: AnonymisationOut, 201: AnonymisationOut, **ERRORS},
    url_name="lake-anonymisation",
    summary="Créer une version anonymisée (ou en voir l'aperçu)",
)
def anonymisation_create(request, slug: str, payload: AnonymisationIn):
    """Run a transform plan on a personal dataset's served version and check k-anonymity (and
    l-diversity) on the result; unless ``preview``, write it as a version of the derived dataset
    ``<slug>-anonymise`` with its lineage. A refused plan or a result that may not be opened is a
    400 naming the reason; nothing is written."""
    actor = _writer(request)
    dataset = catalog_selectors.dataset_get_editable(actor, slug)
    spec = services.AnonymisationSpec.build(
        plan=payload.plan,
        quasi_identifiers=payload.quasi_identifiers,
        k=payload.k,
        l=payload.l,
        sensitive=payload.sensitive,
    )
    if payload.preview:
        preview = services.anonymisation_preview(actor=actor, dataset=dataset, spec=spec)
        return Status(
            200,
            {
                "source": dataset.slug,
                "source_version": preview.source_version.number,
                "may_open": preview.check.may_open,
                "check": preview.check.as_dict(),
                "columns": list(preview.columns),
            },
        )
    result = services.dataset_anonymise(actor=actor, dataset=dataset, spec=spec)
    lineage = result.version.lineage
    return Status(
        201,
        {
            "source": dataset.slug,
            "source_version": lineage["source"]["version"],
            "may_open": lineage["check"]["may_open"],
            "check": lineage["check"],
            "columns": [c["id"] for c in result.version.columns],
            "dataset": result.dataset.slug,
            "version": result.version.number,
            "created": result.created,
            "unchanged": result.unchanged,
            "lineage": lineage,
        },
    )
