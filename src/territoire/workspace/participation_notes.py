"""Staff notifications of the participation app: a new public question on a project, a new
proposal to a service — told to the members of the owner service (agents and stewards), in the
workspace and in their daily digest (which they may unsubscribe from), like every other
notification. Read from the audit log (each question and proposal is created with its audit
event), with a cursor of its own, so participation knows nothing of the workspace."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from territoire.accounts.models import Membership, User
from territoire.participation.models import Proposal, Question
from territoire.trust.models import AuditAction, AuditEvent

from .models import Notification, NotificationCursor, NotificationKind

CURSOR = "participation-audit"
FIRST_RUN_DAYS = 7
EXCERPT = 300

# audited model → how to read its objects: (model, their service id, link, key prefix)
SOURCES = {
    "participation.question": (
        Question,
        lambda q: q.project.service_id,
        lambda q: reverse("workspace:participation") + "#questions",
        "question",
    ),
    "participation.proposal": (
        Proposal,
        lambda p: p.service_id,
        lambda p: reverse("workspace:participation") + "#propositions",
        "proposal",
    ),
}


def _members(service_ids: set[int]) -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        service_id__in=service_ids, user__is_active=True
    ).select_related("user"):
        members.setdefault(membership.service_id, []).append(membership.user)
    return members


def _excerpt(obj) -> str:
    text = getattr(obj, "title", "") or obj.text
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def from_participation() -> list[Notification]:
    """The notifications of the questions and proposals created since the last collection (to
    be called inside the collection's transaction: the cursor row is locked)."""
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
    for object_type, (model, _service, _link, _prefix) in SOURCES.items():
        ids = {int(e.object_id) for e in events_list
               if e.object_type == object_type and e.object_id.isdigit()}  # fmt: skip
        objects = model.objects.select_related("project", "author").in_bulk(ids)
        found += [(e, object_type, objects.get(int(e.object_id))) for e in events_list
                  if e.object_type == object_type and e.object_id.isdigit()]  # fmt: skip
    present = [(e, t, o) for e, t, o in found if o is not None and not o.is_hidden]
    members = _members({SOURCES[t][1](o) for _e, t, o in present})
    notes = []
    for event, object_type, obj in present:
        _model, service_of, link_of, prefix = SOURCES[object_type]
        who = obj.author.pseudonym if obj.author_id else ""
        notes += [
            Notification(
                recipient=user,
                kind=NotificationKind.PUBLIC_CONTRIBUTION,
                key=f"{prefix}:{obj.pk}",
                actor_repr=who,
                detail=_excerpt(obj),
                link=link_of(obj),
            )
            for user in members.get(service_of(obj), [])
            if user.pk != event.actor_id
        ]
    return notes
