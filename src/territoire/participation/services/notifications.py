"""Follows and the e-mails they bring: at once, or gathered into a daily digest. Every e-mail
carries a one-click unsubscribe link (and the List-Unsubscribe header, RFC 8058)."""

from __future__ import annotations

from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from territoire.core.errors import ValidationFailed

from ..models import Follow, Participant, PendingNotification
from ..vocabularies import FollowKind, NotificationMode
from .guard import check_rate
from .participants import absolute_url, unsubscribe_token


def follow_set(*, actor, kind: str, object_id: int, following: bool,
               address: str | None = None) -> bool:  # fmt: skip
    """Follow (or stop following) a project or a proposal. Returns whether the actor follows."""
    if kind not in FollowKind.values:
        raise ValidationFailed("On ne peut suivre que des projets ou des propositions.",
                               "Only projects and proposals can be followed.")  # fmt: skip
    if address is not None:  # a click on the portal (not the follow that comes with proposing)
        check_rate(actor=actor, address=address)
    if following:
        try:
            with transaction.atomic():
                Follow.objects.create(user=actor, kind=kind, object_id=object_id)
        except IntegrityError:
            pass  # already following: the same answer
        return True
    Follow.objects.filter(user=actor, kind=kind, object_id=object_id).delete()
    return False


def is_following(actor, kind: str, object_id: int) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=actor, kind=kind, object_id=object_id).exists()


def _unsubscribe_url(user) -> str:
    return absolute_url(reverse("web:participant_unsubscribe", args=[unsubscribe_token(user)]))


def _message(user, subject: str, body: str) -> EmailMessage:
    link = _unsubscribe_url(user)
    text = body + "\n\n—\n" + _("Ne plus recevoir de courriels : %(link)s") % {"link": link}
    return EmailMessage(subject, text, None, [user.email],
                        headers={"List-Unsubscribe": f"<{link}>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})  # fmt: skip


def followers_notify(*, kind: str, object_id: int, subject: str, body: str, path: str,
                     exclude_user_id: int | None = None) -> None:  # fmt: skip
    """Tell the followers, once the transaction that made the news has committed."""

    def send() -> None:
        url = absolute_url(path)
        participants = (
            Participant.objects.select_related("user")
            .filter(user__participation_follows__kind=kind,
                    user__participation_follows__object_id=object_id,
                    email_confirmed_at__isnull=False)
            .exclude(notification_mode=NotificationMode.NONE)
        )  # fmt: skip
        immediate = []
        for participant in participants:
            if participant.user_id == exclude_user_id:
                continue
            if participant.notification_mode == NotificationMode.DIGEST:
                PendingNotification.objects.create(
                    user=participant.user, subject=subject[:200], body=body, url=url[:300]
                )
            else:
                immediate.append(_message(participant.user, subject, f"{body}\n\n{url}"))
        if immediate:
            get_connection().send_messages(immediate)

    transaction.on_commit(send)


def digests_send() -> int:
    """Send each account its pending news in one e-mail (run daily). Returns e-mails sent."""
    sent = 0
    user_ids = PendingNotification.objects.values_list("user_id", flat=True).distinct()
    for user_id in list(user_ids):
        with transaction.atomic():
            items = list(
                PendingNotification.objects.select_for_update()
                .select_related("user")
                .filter(user_id=user_id)
            )
            if not items:
                continue
            user = items[0].user
            body = "\n\n".join(f"• {n.subject}\n{n.body}\n{n.url}" for n in items)
            _message(user, _("Votre résumé de la participation"), body).send()
            PendingNotification.objects.filter(pk__in=[n.pk for n in items]).delete()
            sent += 1
    return sent
