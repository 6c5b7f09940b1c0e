"""Staff notifications of the public's contributions: a new question on a project, a new
proposal to a service, a new report (signalement) in a category — told to the members of the
service in charge (agents and stewards), in the workspace and in their daily digest (which they
may unsubscribe from), like every other notification. Read from the audit log (each of them is
created with its audit event), with a cursor of its own, so neither participation nor reports
know of the workspace. One entry of ``SOURCES`` per kind of contribution."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from territoire.accounts.models import Membership, User
from territoire.participation.models import Proposal, Question
from territoire.reports.models import Report
from territoire.trust.models import AuditAction, AuditEvent

from .models import Notification, NotificationCursor, NotificationKind

CURSOR = "participation-audit"
FIRST_RUN_DAYS = 7
EXCERPT = 300


@dataclass(frozen=True)
class Source:
    """How to read one audited model's new objects."""

    model: type
    related: tuple[str, ...]  # select_related
    service_of: Callable[[Any], int]
    link_of: Callable[[Any], str]
    prefix: str  # of the notification's key
    text_of: Callable[[Any], str]
    author_of: Callable[[Any], str]
    is_hidden: Callable[[Any], bool]


def _pseudonym(obj) -> str:
    return obj.author.pseudonym if obj.author_id else ""


SOURCES = {
    "participation.question": Source(
        Question, ("project", "author"), lambda q: q.project.service_id,
        lambda q: reverse("workspace:participation") + "#questions", "question",
        lambda q: q.text, _pseudonym, lambda q: q.is_hidden,
    ),
    "participation.proposal": Source(
        Proposal, ("project", "author"), lambda p: p.service_id,
        lambda p: reverse("workspace:participation") + "#propositions", "proposal",
        lambda p: p.title, _pseudonym, lambda p: p.is_hidden,
    ),
    "reports.report": Source(
        Report, ("category",), lambda r: r.category.service_id,
        lambda r: reverse("workspace:report_handle", args=[r.pk]), "report",
        lambda r: f"{r.category.name} : {r.description}", lambda r: "",
        lambda r: not r.is_visible,
    ),
}  # fmt: skip


def _members(service_ids: set[int]) -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        service_id__in=service_ids, user__is_active=True
    ).select_related("user"):
        members.setdefault(membership.service_id, []).append(membership.user)
    return members


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def from_contributions() -> list[Notification]:
    """The notifications of the contributions created since the last collection (to be called
    inside the collection's transaction: the cursor row is locked)."""
    cursor, created = NotificationCursor.objects.select_for_update().get_or_create(name=CURSOR)
    events = AuditEvent.objects.filter(
        pk__gt=cursor.position, action=AuditAction.CREATE, object_type__in=list(SOURCES)
    )
    if created:
        events = events.filter(
            created_at__gte=timezone.now() - datetime.timedelta(days=FIRST_RUN_DAYS)
        )
    events_list = list(events.order_by("id"))
    if not events_list:
        return []
    cursor.position = events_list[-1].pk
    cursor.save(update_fields=["position"])
    found = []
    for object_type, source in SOURCES.items():
        ids = {int(e.object_id) for e in events_list
               if e.object_type == object_type and e.object_id.isdigit()}  # fmt: skip
        objects = source.model.objects.select_related(*source.related).in_bulk(ids)
        found += [(e, object_type, objects.get(int(e.object_id))) for e in events_list
                  if e.object_type == object_type and e.object_id.isdigit()]  # fmt: skip
    present = [
        (e, SOURCES[t], o) for e, t, o in found if o is not None and not SOURCES[t].is_hidden(o)
    ]
    members = _members({source.service_of(o) for _e, source, o in present})
    notes = []
    for event, source, obj in present:
        notes += [
            Notification(
                recipient=user,
                kind=NotificationKind.PUBLIC_CONTRIBUTION,
                key=f"{source.prefix}:{obj.pk}",
                actor_repr=source.author_of(obj),
                detail=_excerpt(source.text_of(obj)),
                link=source.link_of(obj),
            )
            for user in members.get(source.service_of(obj), [])
            if user.pk != event.actor_id
        ]
    return notes
