"""E-mails to the followers of a report when its status changes or the service writes to them.
Each has a one-click unsubscribe link (RFC 8058 headers too). Sent after the commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import translation

from .models import Report, ReportEvent, ReportFollow

log = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    base = (getattr(settings, "TERRITOIRE_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + path


def followers_notify(report_id: int, event_id: int) -> int:
    """Send one e-mail per follower (the actor of the change excepted); returns how many."""
    report = Report.objects.select_related("category").get(pk=report_id)
    event = ReportEvent.objects.get(pk=event_id)
    follows = (
        ReportFollow.objects.filter(report=report)
        .exclude(user_id=event.actor_id)
        .exclude(user__email="")
        .select_related("user")
    )
    messages = []
    page = _absolute(reverse("web:report", args=[report.pk]))
    with translation.override("fr"):
        status = report.get_status_display()
    for follow in follows:
        unsubscribe = _absolute(reverse("web:report_unsubscribe", args=[follow.token]))
        lines = [
            f"Bonjour,\n\nLe signalement n° {report.pk} ({report.category.name}) que vous suivez "
            f"a changé : son statut est désormais « {status} ».",
        ]
        if event.message:
            lines.append(f"Message du service :\n{event.message}")
        lines.append(f"Voir le signalement : {page}")
        lines.append(f"Ne plus recevoir ces messages (un clic) : {unsubscribe}")
        messages.append(
            EmailMessage(
                subject=f"Signalement n° {report.pk} : {status}",
                body="\n\n".join(lines) + "\n",
                to=[follow.user.email],
                headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        )
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except OSError:  # the mail server is down: the change stands, the log says why
        log.exception("report %s: notifying %d followers failed", report.pk, len(messages))
        return 0
