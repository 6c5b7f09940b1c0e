"""The second factor (django-otp): one TOTP authenticator app per account, and 10 single-use
recovery codes (a django-otp static device) shown once, at enrolment or when regenerated.

Every change is audited without its secret (the TOTP key and the codes never reach the audit
log): enrolment, new recovery codes, removal, and each refused code. Enrolling closes the
account's other sessions, which were opened without the second factor."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoire.core import ratelimit
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.services import audit_record

from .. import permissions
from ..models import LoginMethod, User
from . import sessions

# Whether the session's account has an authenticator, remembered in the session by the middleware
# (enrolling closes the account's other sessions, so only the enrolling session's answer changes).
SESSION_HAS_DEVICE = "_territoire_2fa_device"
RECOVERY_CODES = 10
TOTP_NAME = "application d'authentification"
RECOVERY_NAME = "codes de secours"


@dataclass(frozen=True)
class TwoFactorStatus:
    is_enrolled: bool
    enrolled_at: object | None  # datetime of the confirmed authenticator
    recovery_codes_left: int
    is_required: bool


def two_factor_status(user: User) -> TwoFactorStatus:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    codes = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return TwoFactorStatus(
        is_enrolled=device is not None,
        enrolled_at=device.created_at if device is not None else None,
        recovery_codes_left=codes,
        is_required=permissions.two_factor_required(user),
    )


def user_has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_has_device(request, user) -> bool:
    """Whether the session's account has an authenticator (asked once per session, then
    remembered in it: see SESSION_HAS_DEVICE)."""
    session = getattr(request, "session", None)
    if session is None:
        return user_has_two_factor(user)
    remembered = session.get(SESSION_HAS_DEVICE)
    if remembered is None:
        remembered = user_has_two_factor(user)
        session[SESSION_HAS_DEVICE] = remembered
    return bool(remembered)


def session_lacks_second_factor(request, user) -> bool:
    """A signed-in session that has not passed a second factor its account has or must have:
    the workspace and the admin send it on (accounts.middleware), the APIs take it as anonymous
    (accounts.authentication). Tokens are not sessions and never ask this."""
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return session_has_device(request, user) or permissions.two_factor_required(user)


def _ip(request) -> str | None:
    return ratelimit.client_ip(request) if request is not None else None


def _audit(*, actor, user: User, action: str, what: str, request, reason: str = "", changes=None):
    audit_record(
        actor=actor,
        action=action,
        object_type="accounts.user",
        object_id=str(user.pk),
        object_repr=f"{what} — {user.username}"[:300],
        changes=changes or {},
        reason=reason,
        ip_address=_ip(request),
    )


# ------------------------------------------------------------------------------------- enrolment


def totp_enrolment_start(*, actor: User) -> TOTPDevice:
    """The authenticator being enrolled: an unconfirmed device with a fresh key (the same one
    while the person has not confirmed it, so that reloading the page keeps the QR code)."""
    if not permissions.is_authenticated(actor):
        raise PermissionRefused("Connectez-vous d'abord.", "Sign in first.")
    pending = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    return pending or TOTPDevice.objects.create(user=actor, name=TOTP_NAME, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app's manual entry wants it: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here: no external service)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=_("Code QR à scanner"), svgclass="qr"
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def totp_enrolment_confirm(*, actor: User, token: str, request=None) -> list[str]:
    """Confirm the pending authenticator with a code it shows; return the new recovery codes
    (shown once). The current session counts as verified; the account's other sessions close."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=actor, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise ValidationFailed(
                "Aucune inscription en cours : rechargez la page pour obtenir un nouveau code QR.",
                "No enrolment in progress: reload the page for a new QR code.",
                where="token",
            )
        if not device.verify_token(_digits(token)):
            raise ValidationFailed(
                "Ce code ne correspond pas. Vérifiez l'heure de votre téléphone et saisissez le code à 6 chiffres affiché maintenant.",
                "This code does not match. Check your phone's clock and type the 6-digit code shown now.",
                where="token",
            )
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        _audit(
            actor=actor,
            user=actor,
            action="create",
            what="double authentification activée",
            request=request,
            changes={"second_factor": [None, TOTP_NAME], "recovery_codes": [0, len(codes)]},
        )
        if request is not None:
            otp_login(request, device)
            request.session[SESSION_HAS_DEVICE] = True
            sessions.session_revoke_all(
                actor=actor, user=actor, request=request, reason="double authentification activée"
            )
            sessions.session_track(request=request, user=actor, is_verified=True)
    return codes


def recovery_codes_regenerate(*, actor: User, request=None) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        if not user_has_two_factor(actor):
            raise ValidationFailed(
                "Activez d'abord la double authentification.",
                "Turn on two-factor authentication first.",
                where="two_factor",
            )
        codes = _new_recovery_codes(actor)
        _audit(
            actor=actor,
            user=actor,
            action="update",
            what="codes de secours régénérés",
            request=request,
            changes={"recovery_codes": ["••••", len(codes)]},
        )
    return codes


def two_factor_remove(*, actor: User, user: User, request=None, reason: str = "") -> None:
    """Remove the account's authenticator and recovery codes (the account itself, or the data
    officer for a lost phone). An account whose role requires it is sent to enrol again."""
    if not permissions.can_manage_security_of(actor, user):
        raise PermissionRefused(
            "Seul l'administrateur des données peut retirer la double authentification d'un autre compte.",
            "Only the data officer can remove another account's two-factor authentication.",
        )
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        if removed:
            _audit(
                actor=actor,
                user=user,
                action="delete",
                what="double authentification retirée",
                request=request,
                reason=reason,
                changes={"second_factor": [TOTP_NAME, None]},
            )
        if request is not None and request.user.pk == user.pk:
            request.session[SESSION_HAS_DEVICE] = False


# ---------------------------------------------------------------------------------- verification

_SEPARATORS = re.compile(r"[\s\-]")


def _digits(token: str) -> str:
    return _SEPARATORS.sub("", token or "")


def two_factor_verify(*, user: User, token: str):
    """The device that accepts the code and how (TOTP or recovery code), or (None, None). A
    recovery code is spent. Each device's own back-off (django-otp) applies."""
    cleaned = _digits(token).lower()
    if not cleaned:
        return None, None
    with transaction.atomic():
        if cleaned.isdigit():
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(cleaned):
                    return device, LoginMethod.TOTP
        else:
            for device in StaticDevice.objects.select_for_update().filter(
                user=user, confirmed=True
            ):
                if device.verify_token(cleaned):
                    return device, LoginMethod.RECOVERY_CODE
    return None, None


def two_factor_failed_record(*, user: User, request=None) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login_failed",
            instance=user,
            reason="code de vérification refusé",
            ip_address=_ip(request),
        )
