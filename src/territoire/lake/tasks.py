"""Background ingestion: web and API uploads become an IngestJob run by the worker (`territoire worker`).

The job row carries the progress shown to the user. Its updates are plain UPDATEs outside any
transaction, so a page polling the job sees them while the worker runs.

A running job shows a sign of life (``heartbeat_at``) every ``HEARTBEAT_SECONDS``. When it has
shown none for ``TERRITOIRE_INGEST_JOB_LOST_SECONDS`` (default 180), its worker died (killed,
out of memory, machine restarted): the job is run again once, from the same upload, then
reported failed. This is checked when the job is read (page, API), when a worker starts and then
every hour by each worker (``lake_maintenance``, which also removes what dead runs left in the
lake: ``services.cleanup``). Nothing is ever half-written: a version is swapped in one transaction.

Each worker shows its own sign of life too (a ``Worker`` row, every ``HEARTBEAT_SECONDS``), so a
job that waits while no worker runs says so, and how to start one (``job_notice``).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from territoire.core.errors import PermissionRefused, TerritoireError, ValidationFailed
from territoire.trust.services import audit_reads_prune, audit_record

from . import hooks, services
from .models import IngestJob, JobKind, JobStatus, Worker
from .services.cleanup import CLEANUP_EVERY_SECONDS, lake_cleanup
from .services.serving import serving_build_missing

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 20
MAX_ATTEMPTS = 2  # a job whose worker died is run once more, then reported failed

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
            stage=gettext_noop("En attente du traitement"),
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


def _lost_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "TERRITOIRE_INGEST_JOB_LOST_SECONDS", 180))


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "TERRITOIRE_INGEST_JOB_TIMEOUT", 6 * 3600))


def _is_lost(job: IngestJob, now) -> bool:
    if job.is_finished:
        return False
    if job.status == JobStatus.RUNNING and job.heartbeat_at is not None:
        return now - job.heartbeat_at > _lost_after()
    since = job.started_at or job.created_at  # queued and never picked up, or no heartbeat
    return since is not None and now - since > _timeout()


def ingest_job_expire(job: IngestJob) -> IngestJob:
    """Deal with a job whose worker died: run it again once (a running job that stopped showing
    signs of life, whose upload is still there), else mark it failed and remove its upload.
    Jobs queued for longer than TERRITOIRE_INGEST_JOB_TIMEOUT (default 6 hours) were never
    picked up: failed. Whatever the moment a worker died, the lake is consistent: the served
    version is the previous one, or the one it committed just before dying."""
    now = timezone.now()
    if not _is_lost(job, now):
        return job
    retry = (
        job.status == JobStatus.RUNNING
        and job.heartbeat_at is not None
        and job.attempts < MAX_ATTEMPTS
        and (job.kind == JobKind.REINGEST or (job.upload_path and Path(job.upload_path).is_file()))
    )
    if retry:
        claimed = IngestJob.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(
            status=JobStatus.QUEUED,
            progress=0,
            heartbeat_at=None,
            stage=f"Relancée : le traitement précédent s'est arrêté (tentative "
            f"{job.attempts + 1} sur {MAX_ATTEMPTS})",
        )
        if claimed:
            logger.warning("Ingestion job %s lost its worker: run again", job.pk)
            ingest_job_run.enqueue(job.pk)
        job.refresh_from_db()
        return job
    error = {
        "error": "job_lost",
        "message": "Le traitement s'est interrompu (processus de traitement arrêté ou tâche jamais prise en charge)"
        + (f", {job.attempts} fois" if job.attempts > 1 else "")
        + ". Consultez l'historique des versions et déposez à nouveau le fichier si besoin ; vérifiez que "
        "`territoire worker` tourne et qu'il a assez de mémoire pour ce fichier.",
        "message_en": "Processing stopped (worker process died or the job was never picked up)"
        + (f", {job.attempts} times" if job.attempts > 1 else "")
        + ". Check the version history and upload the file again if needed; check that "
        "`territoire worker` is running and has enough memory for this file.",
    }
    updated = IngestJob.objects.filter(pk=job.pk, status=job.status).update(
        status=JobStatus.FAILED,
        stage=gettext_noop("Échec"),
        error=error,
        finished_at=now,
    )
    if updated and job.kind == JobKind.UPLOAD and job.upload_path:
        services.upload_discard(job.upload_path)
    job.refresh_from_db()
    return job


def ingest_jobs_recover() -> int:
    """At a worker's start: deal with the jobs other workers left behind (see
    ``ingest_job_expire``). Returns how many were run again or marked failed."""
    handled = 0
    for job in IngestJob.objects.filter(status__in=[JobStatus.RUNNING, JobStatus.QUEUED]):
        before = (job.status, job.attempts, job.heartbeat_at)
        after = ingest_job_expire(job)
        handled += (after.status, after.attempts, after.heartbeat_at) != before
    return handled


class _Beat:
    """Runs ``action`` every ``every`` seconds in a thread while the block runs."""

    def __init__(self, every: float, action: Callable[[], object], name: str):
        self.every, self.action, self.name = every, action, name
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.wait(self.every):
                try:
                    self.action()
                except Exception:  # the work goes on; a missed beat at worst makes it look lost
                    logger.exception("%s failed", self.name)
        finally:
            connection.close()  # this thread's own database connection

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=min(self.every, HEARTBEAT_SECONDS))


class _Heartbeat(_Beat):
    """Shows that a job's worker is alive while the job runs (one UPDATE each time)."""

    def __init__(self, job_id: int):
        super().__init__(
            HEARTBEAT_SECONDS,
            lambda: _update(job_id, heartbeat_at=timezone.now()),
            f"job-{job_id}-heartbeat",
        )


def worker_alive() -> bool:
    """Whether a worker showed a sign of life recently enough to count as running."""
    return Worker.objects.filter(heartbeat_at__gte=timezone.now() - _lost_after()).exists()


def job_notice(job: IngestJob) -> dict | None:
    """What a person following a job must know besides its stage: a job waiting while no worker
    runs will wait until someone starts one. Shown by the API (``notice``) and the job page."""
    if job.status != JobStatus.QUEUED or worker_alive():
        return None
    return {
        "code": "no_worker",
        "message": "Aucun processus de traitement ne tourne : cette tâche attendra qu'il soit "
        "lancé. L'administrateur du serveur doit lancer `territoire worker` (voir "
        "docs/production.md, « Worker »).",
        "message_en": "No worker process is running: this job will wait until one is started. The "
        "server's administrator must run `territoire worker` (see docs/production.md, "
        '"Worker").',
    }


def lake_maintenance() -> None:
    """What a worker does when it starts and then every CLEANUP_EVERY_SECONDS: deal with jobs
    other workers left behind, and remove what dead runs left in the lake."""
    ingest_jobs_recover()
    lake_cleanup()
    serving_build_missing()
    audit_reads_prune()  # the retention period of the audit log's reads of non-public data
    hooks.maintenance_run()  # what the apps above the lake registered (the staff's digest)


def serving_catch_up() -> None:
    """At a worker's start, in the background: serving files of versions written before they
    existed (or whose build failed), while jobs run."""
    try:
        serving_build_missing()
    except Exception:
        logger.exception("Building the missing serving files failed")
    finally:
        connection.close()


@contextmanager
def worker_presence() -> Iterator[Worker]:
    """While the block runs (a worker's loop), the worker's row shows a sign of life every
    HEARTBEAT_SECONDS and the lake maintenance runs every CLEANUP_EVERY_SECONDS."""
    worker = Worker.objects.create(
        hostname=socket.gethostname()[:255], pid=os.getpid(), heartbeat_at=timezone.now()
    )

    def beat() -> None:
        now = timezone.now()
        Worker.objects.filter(pk=worker.pk).update(heartbeat_at=now)
        # rows of workers that were killed: no longer a sign of anything
        Worker.objects.filter(heartbeat_at__lt=now - 10 * _lost_after()).delete()

    try:
        with (
            _Beat(HEARTBEAT_SECONDS, beat, "worker-heartbeat"),
            _Beat(CLEANUP_EVERY_SECONDS, lake_maintenance, "lake-maintenance"),
        ):
            yield worker
    finally:
        Worker.objects.filter(pk=worker.pk).delete()


def _update(job_id: int, **fields) -> None:
    IngestJob.objects.filter(pk=job_id).update(**fields)


@task()
def ingest_job_run(job_id: int) -> str:
    """Run one ingestion job; never raises for a bad input, the job row says what happened."""
    now = timezone.now()
    claimed = IngestJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        progress=1,
        stage=gettext_noop("Démarrage"),
    )
    job = IngestJob.objects.select_related("dataset", "created_by").filter(pk=job_id).first()
    if job is None or not claimed:  # missing, or another worker has it
        return job.status if job else "missing"

    def progress(percent: int, stage: str) -> None:
        _update(
            job_id,
            progress=max(1, min(99, percent)),
            stage=stage[:200],
            heartbeat_at=timezone.now(),
        )

    status, report, error, version_id = JobStatus.FAILED, {}, {}, None
    with _Heartbeat(job_id):
        try:
            if job.created_by is None or not job.created_by.is_active:
                raise PermissionRefused(
                    "Le compte qui a demandé cette tâche n'existe plus ou est désactivé.",
                    "The account that asked for this job no longer exists or is disabled.",
                )
            if job.kind == JobKind.REINGEST:
                result = services.dataset_reingest(
                    actor=job.created_by,
                    dataset=job.dataset,
                    publish=job.publish,
                    progress=progress,
                    holder=f"la tâche n° {job.pk}",
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
                    holder=f"la tâche n° {job.pk}",
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
        JobStatus.SUCCEEDED: gettext_noop("Terminé"),
        JobStatus.UNCHANGED: gettext_noop("Terminé : contenu inchangé"),
        JobStatus.FAILED: gettext_noop("Échec"),
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
