"""Writes of reports: filing one (from the portal or Open311), the service's answers, following.
Every check runs before anything is written; the row, its first timeline step, the author's
follow, the photo file and the audit event are written together or not at all."""

from __future__ import annotations

import math
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from territoire.accounts import permissions
from territoire.core import ratelimit
from territoire.core.errors import PermissionRefused, TerritoireError, ValidationFailed
from territoire.trust.models import AuditAction
from territoire.trust.services import audit_record

from .. import geo, notify, photos
from ..models import Report, ReportCategory, ReportEvent, ReportFollow
from ..selectors import may_handle
from ..text import ADDRESS_MAX, DESCRIPTION_MAX, DESCRIPTION_MIN, MESSAGE_MAX, clean_text
from ..vocabularies import ReportStatus
from .dataset import reports_dataset_refresh_soon


class RateLimitedWrite(TerritoireError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int):
        minutes = max(retry_after // 60, 1)
        super().__init__(
            f"Trop d'envois en peu de temps : réessayez dans {minutes} minute(s). Votre texte est conservé.",
            f"Too many submissions in a short time: try again in {minutes} minute(s). Your text is kept.",
            where="rate",
        )
        self.retry_after = retry_after


def write_throttle(*, actor, client: str, kind: str = "report") -> None:
    """The limits on every write of reports: per account and per address (``client``)."""
    for key, rate in (
        (f"{kind}-user:{getattr(actor, 'pk', 0)}", settings.TERRITOIRE_REPORT_RATE),
        (f"{kind}-ip:{client}", settings.TERRITOIRE_REPORT_IP_RATE),
    ):
        window = ratelimit.hit(key, rate)
        if not window.allowed:
            raise RateLimitedWrite(window.retry_after)


def _coordinate(value, *, where: str, low: float, high: float, fr: str, en: str) -> float:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationFailed(
            f"{fr} : « {str(value)[:30]} » n'est pas un nombre entre {low:g} et {high:g} "
            "(degrés décimaux, par exemple 43.6108).",
            f"{en}: '{str(value)[:30]}' is not a number between {low:g} and {high:g} "
            "(decimal degrees, e.g. 43.6108).",
            where=where,
        )
    return number


@dataclass(frozen=True)
class CheckedReport:
    category: ReportCategory
    description: str
    address: str
    latitude: float
    longitude: float
    place: geo.Place
    photo: bytes | None


def report_check(
    *,
    category: ReportCategory | None,
    description: str,
    latitude,
    longitude,
    address: str = "",
    photo: bytes | None = None,
) -> CheckedReport:
    """Every check of a new report, without writing anything; the first problem raises."""
    if category is None or not category.is_active:
        raise ValidationFailed(
            "Choisissez une catégorie dans la liste.",
            "Choose a category from the list.",
            where="category",
        )
    text = clean_text(
        description, where="description", label_fr="Description", label_en="Description",
        minimum=DESCRIPTION_MIN, maximum=DESCRIPTION_MAX,
    )  # fmt: skip
    place_text = clean_text(
        address, where="address", label_fr="Adresse", label_en="Address", maximum=ADDRESS_MAX
    )
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationFailed(
            "Indiquez le lieu : cliquez sur la carte, ou saisissez la latitude et la longitude.",
            "Give the place: click on the map, or type the latitude and longitude.",
            where="latitude",
        )
    lat = _coordinate(latitude, where="latitude", low=-90, high=90, fr="Latitude", en="Latitude")
    lon = _coordinate(
        longitude, where="longitude", low=-180, high=180, fr="Longitude", en="Longitude"
    )
    place = geo.locate(lon, lat)
    if place is None:
        raise ValidationFailed(
            f"Le point ({lat:.5f}, {lon:.5f}) est en dehors du territoire : les signalements "
            "portent sur l'espace public de ses communes. Vérifiez la position.",
            f"The point ({lat:.5f}, {lon:.5f}) is outside the territory: reports are about the "
            "public space of its communes. Check the position.",
            where="latitude",
        )
    clean_photo = photos.photo_clean(photo) if photo else None
    return CheckedReport(category, text, place_text, lat, lon, place, clean_photo)


def report_file(
    *, actor, checked: CheckedReport, client: str | None, channel: str = "portail"
) -> Report:
    """File a checked report for ``actor`` (a signed-in account), who then follows it.
    ``client`` is the address bucket the limits count against; None only for the platform's
    own writes (the demo), which are not rate-limited."""
    if not permissions.is_authenticated(actor):
        raise PermissionRefused(
            "Connectez-vous pour faire un signalement.",
            "Sign in to file a report.",
            where="author",
        )
    if client is not None:
        write_throttle(actor=actor, client=client)
    stored_name = None
    report = Report(
        category=checked.category,
        description=checked.description,
        address=checked.address,
        latitude=checked.latitude,
        longitude=checked.longitude,
        commune=checked.place.commune,
        quartier=checked.place.quartier,
        author=actor,
        channel=channel[:16],
        status_changed_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            if checked.photo is not None:
                report.photo.save(
                    f"{uuid.uuid4().hex}{photos.EXTENSION}", ContentFile(checked.photo), save=False
                )
                stored_name = report.photo.name
            report.save()
            ReportEvent.objects.create(report=report, status=ReportStatus.NEW, actor=actor)
            ReportFollow.objects.create(report=report, user=actor, token=secrets.token_urlsafe(32))
            audit_record(
                actor=actor,
                action="create",
                instance=report,
                changes={
                    "category": [None, checked.category.code],
                    "status": [None, ReportStatus.NEW],
                    "channel": [None, report.channel],
                    "photo": [None, bool(stored_name)],
                },
            )
            reports_dataset_refresh_soon()
    except BaseException:
        if stored_name:
            report.photo.storage.delete(stored_name)
        raise
    return report


def report_photo_attach(*, actor, report: Report, photo: bytes, client: str | None) -> Report:
    """The author adds the photo of a report filed without one (a client that sends the report
    as JSON, then its photo), while nobody has handled it yet. The photo is cleaned as at filing
    (photos.photo_clean); the file and the audit event are written together or not at all."""
    if not permissions.is_authenticated(actor) or report.author_id != actor.pk:
        raise PermissionRefused(
            "Seul l'auteur du signalement peut y joindre une photo.",
            "Only the report's author may attach a photo to it.",
            where="photo",
        )
    if report.photo:
        raise ValidationFailed(
            "Ce signalement a déjà une photo : elle ne se remplace pas.",
            "This report already has a photo: it cannot be replaced.",
            where="photo",
        )
    if report.status != ReportStatus.NEW:
        raise ValidationFailed(
            "Le service a déjà pris en charge ce signalement : une photo ne s'y ajoute plus. "
            "Faites un nouveau signalement si la situation a changé.",
            "The service has already taken this report in hand: a photo can no longer be added. "
            "File a new report if things have changed.",
            where="photo",
        )
    if client is not None:
        write_throttle(actor=actor, client=client)
    clean = photos.photo_clean(photo)
    stored_name = None
    try:
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if locked.photo:  # attached meanwhile by another request
                raise ValidationFailed(
                    "Ce signalement a déjà une photo : elle ne se remplace pas.",
                    "This report already has a photo: it cannot be replaced.",
                    where="photo",
                )
            locked.photo.save(
                f"{uuid.uuid4().hex}{photos.EXTENSION}", ContentFile(clean), save=False
            )
            stored_name = locked.photo.name
            locked.save(update_fields=["photo", "modified_at"])
            audit_record(
                actor=actor, action="update", instance=locked, changes={"photo": [False, True]}
            )
            reports_dataset_refresh_soon()
    except BaseException:
        if stored_name:
            report.photo.storage.delete(stored_name)
        raise
    report.photo = locked.photo
    return report


def report_answer(
    *, actor, report: Report, status: str, message: str = "", notify_followers: bool = True
) -> ReportEvent:
    """The service in charge changes the status and/or writes a public message; followers are
    e-mailed after the commit (not for the demo's history). Rejecting needs a message."""
    if not may_handle(actor, report):
        raise PermissionRefused(
            "Seul le service chargé de cette catégorie (ou l'administrateur des données) peut "
            "répondre à ce signalement.",
            "Only the service in charge of this category (or the data officer) may answer this "
            "report.",
            where="status",
        )
    if status not in ReportStatus.values:
        raise ValidationFailed(
            "Choisissez un statut dans la liste.", "Choose a status from the list.", where="status"
        )
    text = clean_text(
        message, where="message", label_fr="Message", label_en="Message", maximum=MESSAGE_MAX
    )
    if status == ReportStatus.REJECTED and not text and report.status != status:
        raise ValidationFailed(
            "Expliquez pourquoi le signalement est rejeté : le message est publié sur sa page.",
            "Explain why the report is rejected: the message is published on its page.",
            where="message",
        )
    if status == report.status and not text:
        raise ValidationFailed(
            "Rien à enregistrer : changez le statut ou écrivez un message.",
            "Nothing to save: change the status or write a message.",
            where="status",
        )
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        old = locked.status
        event = ReportEvent.objects.create(
            report=locked,
            old_status=old,
            status=status if status != old else "",
            message=text,
            actor=actor,
        )
        if status != old:
            locked.status = status
            locked.status_changed_at = timezone.now()
            locked.save(update_fields=["status", "status_changed_at", "modified_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=locked,
            changes={"status": [old, status]} if status != old else {"message": [None, "publié"]},
            reason=text,
        )
        if status != old:
            reports_dataset_refresh_soon()
        if notify_followers:
            transaction.on_commit(lambda: notify.followers_notify(locked.pk, event.pk))
    report.status, report.status_changed_at = locked.status, locked.status_changed_at
    return event


def report_follow(*, actor, report: Report) -> ReportFollow:
    if not permissions.is_authenticated(actor):
        raise PermissionRefused(
            "Connectez-vous pour suivre un signalement.",
            "Sign in to follow a report.",
            where="follow",
        )
    follow, _created = ReportFollow.objects.get_or_create(
        report=report, user=actor, defaults={"token": secrets.token_urlsafe(32)}
    )
    return follow


def report_unfollow(*, token: str) -> ReportFollow | None:
    """One-click unsubscribe: the link's token is the only credential needed."""
    follow = ReportFollow.objects.filter(token=token[:64]).select_related("report").first()
    if follow is not None:
        follow.delete()
    return follow


def report_read_record(*, actor, report: Report, channel: str, ip_address: str | None) -> None:
    """A hidden report is non-public data: each read of it (by the service in charge, the data
    officer) is an audit event. Reads of visible reports are not recorded."""
    if report.is_visible:
        return
    audit_record(
        actor=actor,
        action=AuditAction.READ,
        instance=report,
        changes={"channel": [None, channel], "moderation": [None, report.moderation]},
        ip_address=ip_address,
    )
