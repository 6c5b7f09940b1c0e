"""Staff notifications: collected from what already records every step (the audit log, the
ingestion jobs, the datasets' frequencies), so no other app has to know about them, then shown in
the workspace and sent once a day by e-mail (``territoire digest``).

Who is told what:
- the data officers: a dataset submitted for review, a personal-data decision requested;
- a dataset's relays (its steward, else the stewards of its service): sent back, published after
  review, decision taken, an update overdue;
- whoever uploaded a file, and the relays: a failed ingestion;
- the members of the service in charge: a new public question or proposal to answer, a new
  report (signalement) in one of its categories (``contribution_notes``).
Nobody is told of what they did themselves.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from territoire.accounts.models import Membership, MembershipRole, Role, User
from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import FREQUENCY_DAYS, PublicationState
from territoire.lake import hooks
from territoire.lake.models import DatasetLake, IngestJob, JobStatus
from territoire.trust.models import AuditAction, AuditEvent
from territoire.trust.services import audited_save

from .contribution_notes import from_contributions
from .models import Notification, NotificationCursor, NotificationKind, NotificationPreference

logger = logging.getLogger(__name__)

AUDIT_CURSOR = "audit"
FIRST_RUN_DAYS = 7  # on an installation's first collection, older events are not notified
FAILED_JOB_DAYS = 7
UNSUBSCRIBE_SALT = "territoire.workspace.unsubscribe"

EVENT_KINDS: dict[str, NotificationKind] = {
    AuditAction.SUBMIT: NotificationKind.SUBMITTED,
    AuditAction.SEND_BACK: NotificationKind.SENT_BACK,
    AuditAction.DECISION_REQUEST: NotificationKind.DECISION_REQUESTED,
    AuditAction.DECISION: NotificationKind.DECISION_TAKEN,
    AuditAction.PUBLISH: NotificationKind.PUBLISHED,
}
FOR_OFFICERS = {NotificationKind.SUBMITTED, NotificationKind.DECISION_REQUESTED}


def _data_officers() -> list[User]:
    return list(
        User.objects.filter(is_active=True).filter(Q(role=Role.DATA_OFFICER) | Q(is_superuser=True))
    )


def _relays(datasets: Iterable[Dataset]) -> dict[int, list[User]]:
    """Each dataset's relays: its steward, else the stewards of its service."""
    datasets = list(datasets)
    by_service: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        role=MembershipRole.STEWARD,
        user__is_active=True,
        service_id__in={d.publisher_service_id for d in datasets if d.publisher_service_id},
    ).select_related("user"):
        by_service.setdefault(membership.service_id, []).append(membership.user)
    result: dict[int, list[User]] = {}
    for dataset in datasets:
        steward = dataset.steward
        if steward is not None and steward.is_active:
            result[dataset.pk] = [steward]
        else:
            result[dataset.pk] = by_service.get(dataset.publisher_service_id or 0, [])
    return result


def _link(dataset: Dataset, kind: str) -> str:
    if kind in {NotificationKind.DECISION_REQUESTED, NotificationKind.DECISION_TAKEN}:
        return reverse("lake:dataset", args=[dataset.slug]) + "#donnees-personnelles"
    if kind in {NotificationKind.JOB_FAILED, NotificationKind.OVERDUE}:
        return reverse("lake:dataset", args=[dataset.slug])
    return reverse("workspace:dataset_edit", args=[dataset.slug]) + "#publication"


def _from_audit(officers: list[User]) -> list[Notification]:
    cursor, created = NotificationCursor.objects.select_for_update().get_or_create(
        name=AUDIT_CURSOR
    )
    events = AuditEvent.objects.filter(
        pk__gt=cursor.position, action__in=list(EVENT_KINDS), object_type="catalog.dataset"
    )
    if created:
        since = timezone.now() - datetime.timedelta(days=FIRST_RUN_DAYS)
        events = events.filter(created_at__gte=since)
    events_list = list(events.order_by("id"))
    if events_list:
        cursor.position = events_list[-1].pk
        cursor.save(update_fields=["position"])
    datasets = Dataset.objects.select_related("steward", "submitted_by").in_bulk(
        {int(e.object_id) for e in events_list if e.object_id.isdigit()}
    )
    relays = _relays(datasets.values())
    notes = []
    for event in events_list:
        dataset = datasets.get(int(event.object_id)) if event.object_id.isdigit() else None
        if dataset is None:
            continue
        kind = EVENT_KINDS[event.action]
        if kind == NotificationKind.PUBLISHED:
            state = (event.changes or {}).get("publication_state") or [None, None]
            if state[0] != PublicationState.SUBMITTED:
                continue  # a relay's own publication, or no review: nothing to answer
        recipients = officers if kind in FOR_OFFICERS else relays.get(dataset.pk, [])
        if kind == NotificationKind.SENT_BACK and dataset.submitted_by is not None:
            recipients = [*recipients, dataset.submitted_by]
        notes += [
            Notification(
                recipient=user,
                kind=kind,
                key=f"event:{event.pk}",
                dataset=dataset,
                actor_repr=event.actor_repr,
                detail=event.reason[:2000],
                link=_link(dataset, kind),
            )
            for user in {u.pk: u for u in recipients}.values()
            if user.pk != event.actor_id
        ]
    return notes


def _from_failed_jobs(now) -> list[Notification]:
    jobs = list(
        IngestJob.objects.filter(
            status=JobStatus.FAILED,
            finished_at__gte=now - datetime.timedelta(days=FAILED_JOB_DAYS),
        ).select_related("dataset__steward", "created_by")
    )
    relays = _relays(job.dataset for job in jobs)
    notes = []
    for job in jobs:
        recipients = [*relays.get(job.dataset_id, [])]
        if job.created_by is not None and job.created_by.is_active:
            recipients.append(job.created_by)
        error = job.error or {}
        notes += [
            Notification(
                recipient=user,
                kind=NotificationKind.JOB_FAILED,
                key=f"job:{job.pk}",
                dataset=job.dataset,
                detail=str(error.get("message_fr") or error.get("message") or job.stage)[:2000],
                link=reverse("lake:job", args=[job.pk]),
            )
            for user in {u.pk: u for u in recipients}.values()
        ]
    return notes


def _from_overdue(now, officers: list[User]) -> list[Notification]:
    lakes = DatasetLake.objects.filter(
        current_version__isnull=False, dataset__frequency__in=list(FREQUENCY_DAYS)
    ).select_related("dataset__steward", "current_version")
    late = []
    for lake in lakes.defer(
        "current_version__report", "current_version__columns", "current_version__validation"
    ):
        if lake.current_version is None:
            continue
        due = lake.current_version.created_at + datetime.timedelta(
            days=FREQUENCY_DAYS[lake.dataset.frequency]
        )
        if now > due:
            late.append((lake.dataset, due))
    relays = _relays(d for d, _due in late)
    notes = []
    for dataset, due in late:
        recipients = relays.get(dataset.pk) or officers
        notes += [
            Notification(
                recipient=user,
                kind=NotificationKind.OVERDUE,
                key=f"overdue:{dataset.pk}:{due.date().isoformat()}",
                dataset=dataset,
                detail=timezone.localtime(due).date().isoformat(),
                link=_link(dataset, NotificationKind.OVERDUE),
            )
            for user in recipients
        ]
    return notes


def notifications_collect(*, now=None) -> int:
    """Write the notifications of what happened since the last collection; each fact once per
    person (the ``key``), so running it again, or concurrently, adds nothing. Returns how many
    were added."""
    now = now or timezone.now()
    officers = _data_officers()
    with transaction.atomic():
        notes = _from_audit(officers) + _from_failed_jobs(now) + _from_overdue(now, officers)
        notes += from_contributions()
        before = Notification.objects.count()
        Notification.objects.bulk_create(notes, ignore_conflicts=True)
        return Notification.objects.count() - before


def notifications_mark_read(*, actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them without ``ids``). A person's own reading
    state, not a change to the territory's data: not audited."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def digest_preference_set(*, actor, user: User, daily_digest: bool) -> NotificationPreference:
    """Subscribe to or unsubscribe from the daily digest (audited)."""
    with transaction.atomic():
        preference = NotificationPreference.objects.select_for_update().filter(
            user=user
        ).first() or NotificationPreference(user=user)
        if preference.pk is None or preference.daily_digest != daily_digest:
            preference.daily_digest = daily_digest
            audited_save(actor=actor, instance=preference)
    return preference


def digest_wanted(user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.daily_digest


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user(token: str) -> User | None:
    """The person a one-click unsubscribe link was made for, or None if it was tampered with."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u"), is_active=True).first()


def digest_send(*, now=None) -> int:
    """Collect, then send each subscribed person with an e-mail address one message listing
    their unread notifications not yet e-mailed, and mark them e-mailed. Returns the number of
    messages sent. A message that cannot be sent stays pending for the next digest."""
    now = now or timezone.now()
    notifications_collect(now=now)
    pending = (
        Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True)
        .select_related("recipient", "dataset")
        .order_by("recipient_id", "created_at")
    )
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        by_user.setdefault(note.recipient_id, []).append(note)
    opted_out = set(
        NotificationPreference.objects.filter(daily_digest=False).values_list("user_id", flat=True)
    )
    sent = 0
    base = str(settings.TERRITOIRE_BASE_URL or "").rstrip("/")
    for user_id, notes in by_user.items():
        user = notes[0].recipient
        if user_id in opted_out or not user.email or not user.is_active:
            continue
        unsubscribe = base + reverse("workspace:unsubscribe", args=[unsubscribe_token(user)])
        with translation.override(settings.LANGUAGE_CODE):
            context = {"user": user, "notes": notes, "base": base, "unsubscribe": unsubscribe}
            subject = render_to_string("workspace/email/digest_subject.txt", context).strip()
            body = render_to_string("workspace/email/digest.txt", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=body,
            to=[user.email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        try:
            message.send()
        except OSError:
            logger.exception("Digest to %s could not be sent", user.email)
            continue
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=now)
        sent += 1
    return sent


DIGEST_DAY = "staff-digest"


def worker_round(*, now=None) -> int:
    """What each worker does every hour (registered with the lake's maintenance): collect the
    notifications, so the in-app list is current, and from ``TERRITOIRE_DIGEST_HOUR`` (local time,
    7 by default) send the daily digest once a day, whichever worker comes first (the day claimed
    with the lake's ``daily_claim``, as the participants' digest is). Returns messages sent."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    due = local.hour >= int(getattr(settings, "TERRITOIRE_DIGEST_HOUR", 7))
    if not due or not hooks.daily_claim(DIGEST_DAY, local.date()):
        notifications_collect(now=now)
        return 0
    return digest_send(now=now)
