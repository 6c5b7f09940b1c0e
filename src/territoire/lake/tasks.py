"""Background ingestion: web and API uploads become an IngestJob run by the worker (`territoire worker`).

The job row carries the progress shown to the user. Its updates are plain UPDATEs outside any
transaction, so a page polling the job sees them while the worker runs.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from territoire.core.errors import PermissionRefused, TerritoireError, ValidationFailed
from territoire.trust.services import audit_record

from . import services
from .models import IngestJob, JobKind, JobStatus

logger = logging.getLogger(__name__)

STATUS_OF_REPORT = {
    "created": JobStatus.SUCCEEDED,
    "unchanged": JobStatus.UNCHANGED,
    "failed": JobStatus.FAILED,
}


def ingest_job_enqueue(
    *,
    actor,
    dataset,
    upload_path: Path | None = None,
    original_name: str = "",
    schema_ref: str | None = None,
    publish: bool = False,
    kind: str = JobKind.UPLOAD,
) -> IngestJob:
    """Record an ingestion job and hand it to the worker. An upload is removed once the job is over."""
    services.require_edit(actor, dataset)
    if actor is None:
        raise PermissionRefused(
            "Une tâche d'ingestion a besoin d'un compte.", "An ingestion job needs an account."
        )
    if kind == JobKind.UPLOAD and (upload_path is None or not Path(upload_path).is_file()):
        raise ValidationFailed(
            "Aucun fichier reçu : joignez un fichier.",
            "No file received: attach a file.",
            where="file",
        )
    with transaction.atomic():
        job = IngestJob.objects.create(
            dataset=dataset,
            kind=kind,
            source_name=(original_name or "")[:300],
            upload_path=str(upload_path or ""),
            schema_ref=schema_ref or "",
            publish=publish,
            created_by=actor,
            stage="En attente du traitement",
        )
        audit_record(
            actor=actor,
            action="create",
            instance=job,
            changes={"kind": [None, kind], "source_name": [None, job.source_name]},
        )
    ingest_job_run.enqueue(job.pk)
    job.refresh_from_db()
    return job


def ingest_job_expire(job: IngestJob) -> IngestJob:
    """Mark a job failed when its worker died: queued or running for longer than
    TERRITOIRE_INGEST_JOB_TIMEOUT seconds (default 6 hours). Its upload is removed. Whatever the
    moment it died, the lake is consistent: the served version is the previous one, or the one it
    committed just before dying (the swap is one transaction)."""
    limit = datetime.timedelta(seconds=getattr(settings, "TERRITOIRE_INGEST_JOB_TIMEOUT", 6 * 3600))
    since = job.started_at or job.created_at
    if job.is_finished or since is None or timezone.now() - since < limit:
        return job
    error = {
        "error": "job_lost",
        "message": "Le traitement s'est interrompu (processus de traitement arrêté ou tâche jamais prise en charge). "
        "Consultez l'historique des versions et déposez à nouveau le fichier si besoin ; vérifiez que "
        "`territoire worker` tourne.",
        "message_en": "Processing stopped (worker process died or the job was never picked up). Check the "
        "version history and upload the file again if needed; check that `territoire worker` is running.",
    }
    updated = IngestJob.objects.filter(pk=job.pk, status=job.status).update(
        status=JobStatus.FAILED,
        stage="Échec",
        error=error,
        finished_at=timezone.now(),
    )
    if updated and job.kind == JobKind.UPLOAD and job.upload_path:
        services.upload_discard(job.upload_path)
    job.refresh_from_db()
    return job


def _update(job_id: int, **fields) -> None:
    IngestJob.objects.filter(pk=job_id).update(**fields)


@task()
def ingest_job_run(job_id: int) -> str:
    """Run one ingestion job; never raises for a bad input, the job row says what happened."""
    job = IngestJob.objects.select_related("dataset", "created_by").filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return job.status if job else "missing"
    _update(
        job_id, status=JobStatus.RUNNING, started_at=timezone.now(), progress=1, stage="Démarrage"
    )

    def progress(percent: int, stage: str) -> None:
        _update(job_id, progress=max(1, min(99, percent)), stage=stage[:200])

    status, report, error, version_id = JobStatus.FAILED, {}, {}, None
    try:
        if job.created_by is None or not job.created_by.is_active:
            raise PermissionRefused(
                "Le compte qui a demandé cette tâche n'existe plus ou est désactivé.",
                "The account that asked for this job no longer exists or is disabled.",
            )
        if job.kind == JobKind.REINGEST:
            result = services.dataset_reingest(
                actor=job.created_by, dataset=job.dataset, publish=job.publish, progress=progress
            )
        else:
            result = services.dataset_ingest(
                actor=job.created_by,
                dataset=job.dataset,
                source=Path(job.upload_path),
                original_name=job.source_name,
                schema_ref=job.schema_ref or None,
                publish=job.publish,
                progress=progress,
            )
        report = result.as_dict()
        status = STATUS_OF_REPORT[result.status]
        if result.status == "failed":
            error = {
                "error": "ingestion_failed",
                "message": result.message_fr,
                "message_en": result.message_en,
            }
        if result.version is not None:
            version_id = (
                job.dataset.versions.filter(number=result.version)
                .values_list("pk", flat=True)
                .first()
            )
    except TerritoireError as exc:
        error = exc.as_dict()
    except Exception as exc:
        logger.exception("Ingestion job %s crashed", job_id)
        error = {
            "error": "internal_error",
            "message": f"Erreur interne pendant l'ingestion ({exc.__class__.__name__}). Rien n'a été modifié ; "
            "signalez-la à l'administrateur avec le numéro de la tâche.",
            "message_en": f"Internal error during ingestion ({exc.__class__.__name__}). Nothing was changed; "
            "report it to the administrator with the job number.",
        }
    finally:
        if job.kind == JobKind.UPLOAD and job.upload_path:
            services.upload_discard(job.upload_path)
    stage = {
        JobStatus.SUCCEEDED: "Terminé",
        JobStatus.UNCHANGED: "Terminé : contenu inchangé",
        JobStatus.FAILED: "Échec",
    }[status]
    _update(
        job_id,
        status=status,
        progress=100,
        stage=stage,
        report=report,
        error=error,
        version_id=version_id,
        finished_at=timezone.now(),
    )
    return status
