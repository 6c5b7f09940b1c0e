"""The requester hears of the decision: one e-mail when an access request is granted (with the
scope and the expiry) or refused (with the reason). Sent once the decision commits; a mail
server that is down never undoes the decision (the log says so, « mes demandes » still shows it).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from territoire.trust.models import AccessRequest, AccessRequestStatus

log = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    base = (getattr(settings, "TERRITOIRE_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + path


def _scope_lines(grant) -> list[str]:
    lines = []
    if grant.columns:
        lines.append(_("Colonnes : %(c)s.") % {"c": ", ".join(grant.columns)})
    for condition in grant.row_filters or []:
        lines.append(
            _("Lignes : %(column)s %(op)s %(value)s.")
            % {
                "column": condition.get("column"),
                "op": condition.get("op"),
                "value": condition.get("value", ""),
            }
        )
    if grant.period:
        lines.append(
            _("Période : %(column)s du %(start)s au %(end)s.")
            % {
                "column": grant.period.get("column"),
                "start": grant.period.get("start"),
                "end": grant.period.get("end"),
            }
        )
    return lines or [_("Tout le jeu de données (toutes les colonnes et toutes les lignes).")]


def access_decision_message(request: AccessRequest) -> EmailMessage | None:
    """The e-mail telling the requester of the decision (None: no address, or not decided)."""
    user = request.requester
    if not user.email or request.status not in (
        AccessRequestStatus.GRANTED,
        AccessRequestStatus.REFUSED,
    ):
        return None
    title = request.dataset.title
    with translation.override(settings.LANGUAGE_CODE):
        if request.status == AccessRequestStatus.GRANTED:
            grant = request.grant
            subject = _("Accès accordé : %(t)s") % {"t": title}
            lines = [
                _("Bonjour,"),
                _("Votre demande d'accès au jeu de données « %(t)s » est accordée.") % {"t": title},
                "\n".join(_scope_lines(grant)),
                _("Accès jusqu'au %(d)s.")
                % {"d": formats.date_format(grant.expires_at, "DATE_FORMAT")},
                _("Voir les données : %(u)s")
                % {"u": _absolute(reverse("web:dataset", args=[request.dataset.slug]))},
            ]
        else:
            subject = _("Demande d'accès refusée : %(t)s") % {"t": title}
            lines = [
                _("Bonjour,"),
                _("Votre demande d'accès au jeu de données « %(t)s » est refusée.") % {"t": title},
                _("Motif : %(r)s") % {"r": request.refusal_reason},
            ]
        lines.append(
            _("Vos demandes : %(u)s") % {"u": _absolute(reverse("web:access_requests_mine"))}
        )
    return EmailMessage(subject=subject, body="\n\n".join(lines) + "\n", to=[user.email])


def _send(request_id: int) -> None:
    request = (
        AccessRequest.objects.select_related("requester", "dataset", "grant")
        .filter(pk=request_id)
        .first()
    )
    message = access_decision_message(request) if request else None
    if message is None:
        return
    try:
        message.send()
    except OSError:
        log.exception("access request %s: the decision could not be e-mailed", request_id)


def access_decision_notify_on_commit(request: AccessRequest) -> None:
    """E-mail the requester once the transaction that decided ``request`` commits."""
    transaction.on_commit(lambda: _send(request.pk))
