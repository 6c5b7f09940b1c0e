"""Participants: sign-up with e-mail confirmation, residency badge, notification choice, and
their GDPR rights (download everything, delete the account while contributions stay anonymous)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from territoire.accounts.models import Role
from territoire.core.errors import ValidationFailed
from territoire.core.ratelimit import attempt, forgive, hit
from territoire.territories import selectors as territories
from territoire.trust.services import audit_record, audited_save

from ..models import InvitationCode, Participant, Support
from ..vocabularies import NotificationMode, ResidencyMethod
from .guard import TooManyWrites, check_honeypot, clean_text

CONFIRM_SALT = "participation.confirm-email"
CONFIRM_MAX_AGE = 3 * 86400
UNSUBSCRIBE_SALT = "participation.unsubscribe"


def absolute_url(path: str) -> str:
    """A link for an e-mail: the site's public address and ``path``."""
    return str(settings.TERRITOIRE_BASE_URL or "").rstrip("/") + path


def confirmation_token(participant: Participant) -> str:
    return signing.dumps({"p": participant.pk, "e": participant.user.email}, salt=CONFIRM_SALT)


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def participant_signup(*, email: str, pseudonym: str, password: str, address: str | None = None,
                       honeypot: str = "") -> Participant:  # fmt: skip
    """Create a citizen account and its participant profile, and send the confirmation link.
    The account cannot contribute before the link is followed."""
    check_honeypot(honeypot)
    if address:
        window = hit(f"signup-ip:{address}", settings.TERRITOIRE_SIGNUP_IP_RATE)
        if not window.allowed:
            raise TooManyWrites(window.retry_after)
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise ValidationFailed(
            "Adresse électronique invalide : elle doit ressembler à nom@exemple.fr.",
            "Invalid e-mail address: it should look like name@example.org.",
            where="email",
        )
    pseudonym = clean_text(pseudonym, field="pseudonym", label=_("Pseudonyme"), max_length=40)
    if len(password or "") < 10:
        raise ValidationFailed(
            "Mot de passe trop court : 10 caractères au moins.",
            "Password too short: at least 10 characters.",
            where="password",
        )
    User = get_user_model()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationFailed(
            "Un compte existe déjà avec cette adresse : connectez-vous, ou demandez un nouveau "
            "mot de passe.",
            "An account already exists with this address: sign in, or ask for a new password.",
            where="email",
        )
    if Participant.objects.filter(pseudonym__iexact=pseudonym).exists():
        raise ValidationFailed(
            f"Le pseudonyme « {pseudonym} » est déjà pris : choisissez-en un autre.",
            f"Pseudonym '{pseudonym}' is taken: choose another one.",
            where="pseudonym",
        )
    try:
        with transaction.atomic():
            # The address is the login (the portal's sign-in form asks for the user name).
            user = User(username=email[:150], email=email, role=Role.CITIZEN)
            user.set_password(password)
            user.save()
            participant = Participant.objects.create(user=user, pseudonym=pseudonym)
            audit_record(actor=user, action="create", instance=participant,
                         changes={"pseudonym": [None, pseudonym]}, ip_address=address)  # fmt: skip
    except IntegrityError:
        raise ValidationFailed(
            "Ce pseudonyme ou cette adresse vient d'être pris : choisissez-en un autre.",
            "This pseudonym or address was just taken: choose another one.",
            where="pseudonym",
        ) from None
    transaction.on_commit(lambda: _send_confirmation(participant))
    return participant


def participant_profile_create(*, user, pseudonym: str, honeypot: str = "") -> Participant:
    """A participant profile for an existing account (a citizen created by the city, an agent);
    the address still needs confirming by the link sent."""
    check_honeypot(honeypot)
    pseudonym = clean_text(pseudonym, field="pseudonym", label=_("Pseudonyme"), max_length=40)
    if not user.email:
        raise ValidationFailed(
            "Ce compte n'a pas d'adresse électronique : demandez à l'administrateur d'en ajouter une.",
            "This account has no e-mail address: ask the administrator to add one.",
            where="pseudonym",
        )
    if Participant.objects.filter(pseudonym__iexact=pseudonym).exists():
        raise ValidationFailed(
            f"Le pseudonyme « {pseudonym} » est déjà pris : choisissez-en un autre.",
            f"Pseudonym '{pseudonym}' is taken: choose another one.",
            where="pseudonym",
        )
    try:
        with transaction.atomic():
            participant = Participant.objects.create(user=user, pseudonym=pseudonym)
            audit_record(actor=user, action="create", instance=participant,
                         changes={"pseudonym": [None, pseudonym]})  # fmt: skip
    except IntegrityError:
        raise ValidationFailed("Ce pseudonyme vient d'être pris, ou ce compte a déjà un profil.",
                               "This pseudonym was just taken, or the account has a profile.",
                               where="pseudonym") from None  # fmt: skip
    transaction.on_commit(lambda: _send_confirmation(participant))
    return participant


def _send_confirmation(participant: Participant) -> None:
    link = absolute_url(reverse("web:participant_confirm", args=[confirmation_token(participant)]))
    send_mail(
        _("Confirmez votre adresse pour participer"),
        _("Bonjour %(name)s,\n\nPour confirmer votre adresse et commencer à participer, suivez ce "
          "lien (valable 3 jours) :\n%(link)s\n\nSi vous n'avez rien demandé, ignorez ce message.")
        % {"name": participant.pseudonym, "link": link},
        None,
        [participant.user.email],
    )  # fmt: skip


def participant_confirm(*, token: str) -> Participant:
    """Follow the confirmation link: the signed token names the profile and the address."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed(
            "Ce lien de confirmation a expiré : connectez-vous pour en recevoir un nouveau.",
            "This confirmation link has expired: sign in to receive a new one.",
        ) from None
    except signing.BadSignature:
        raise ValidationFailed(
            "Ce lien de confirmation n'est pas valide : copiez-le en entier depuis le courriel.",
            "This confirmation link is not valid: copy it whole from the e-mail.",
        ) from None
    participant = Participant.objects.select_related("user").filter(pk=data.get("p")).first()
    if participant is None or participant.user.email != data.get("e"):
        raise ValidationFailed(
            "Ce lien ne correspond à aucun compte.", "This link matches no account."
        )
    if participant.email_confirmed_at is None:
        participant.email_confirmed_at = timezone.now()
        audited_save(actor=participant.user, instance=participant,
                     reason="adresse électronique confirmée")  # fmt: skip
    return participant


def participant_resend_confirmation(*, participant: Participant) -> None:
    window = hit(f"confirm-resend:{participant.pk}", "3/3600")
    if not window.allowed:
        raise TooManyWrites(window.retry_after)
    _send_confirmation(participant)


def residency_verify(*, participant: Participant, postal_code: str = "",
                     invitation_code: str = "") -> Participant:  # fmt: skip
    """Give the residency badge: a postal code of a member commune, or an unused invitation
    code, whichever checks the territory offers (TERRITOIRE_RESIDENCY_CHECKS)."""
    checks = settings.TERRITOIRE_RESIDENCY_CHECKS
    postal_code, invitation_code = postal_code.strip(), invitation_code.strip().upper()
    # Invitation codes are secrets to guess: a few tries, then a lock that doubles (as logins).
    decision = attempt(f"residency:{participant.pk}", limit=5, window=900)
    if not decision.allowed:
        raise TooManyWrites(decision.retry_after)
    with transaction.atomic():
        if invitation_code and "invitation" in checks:
            invitation = (
                InvitationCode.objects.select_for_update()
                .filter(code=invitation_code, used_by__isnull=True)
                .first()
            )
            if invitation is None:
                raise ValidationFailed(
                    "Code d'invitation inconnu ou déjà utilisé : vérifiez-le, ou demandez-en un "
                    "à votre mairie.",
                    "Unknown or already used invitation code: check it, or ask your town hall.",
                    where="invitation_code",
                )
            invitation.used_by, invitation.used_at = participant, timezone.now()
            invitation.save(update_fields=["used_by", "used_at", "modified_at"])
            participant.residency_method = ResidencyMethod.INVITATION
        elif postal_code and "postal_code" in checks:
            commune = _commune_of(postal_code)
            if commune is None:
                raise ValidationFailed(
                    f"Le code postal {postal_code} n'est celui d'aucune commune du territoire.",
                    f"Postal code {postal_code} belongs to no commune of the territory.",
                    where="postal_code",
                )
            participant.residency_method = ResidencyMethod.POSTAL_CODE
            participant.residency_commune = commune
        else:
            raise ValidationFailed(
                "Indiquez un code postal ou un code d'invitation.",
                "Give a postal code or an invitation code.",
                where="postal_code",
            )
        participant.residency_verified_at = timezone.now()
        audited_save(actor=participant.user, instance=participant, reason="résidence déclarée")
    forgive(f"residency:{participant.pk}")
    return participant


def _commune_of(postal_code: str):
    home = territories.home_territory()
    if home is None:
        return None
    for commune in territories.epci_communes(home):
        if postal_code in (commune.postal_codes or []):
            return commune
    return None


def participant_set_notifications(*, participant: Participant, mode: str) -> Participant:
    if mode not in NotificationMode.values:
        raise ValidationFailed("Choix de notification inconnu.", "Unknown notification choice.",
                               where="notification_mode")  # fmt: skip
    participant.notification_mode = mode
    return audited_save(actor=participant.user, instance=participant)


def participant_unsubscribe(*, token: str) -> Participant:
    """The one-click link of every e-mail: no more e-mail for this account."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ValidationFailed(
            "Ce lien de désinscription n'est pas valide.", "This unsubscribe link is not valid."
        ) from None
    participant = Participant.objects.select_related("user").filter(user_id=data.get("u")).first()
    if participant is None:
        raise ValidationFailed("Ce compte n'existe plus.", "This account no longer exists.")
    participant.notification_mode = NotificationMode.NONE
    audited_save(actor=participant.user, instance=participant, reason="désinscription en un clic")
    return participant


def participant_export(*, participant: Participant) -> bytes:
    """Everything kept about the participant, as JSON (GDPR articles 15 and 20)."""
    user = participant.user
    data = {
        "account": {"email": user.email, "created": user.date_joined.isoformat(),
                    "last_login": user.last_login.isoformat() if user.last_login else None},
        "profile": {
            "pseudonym": participant.pseudonym,
            "email_confirmed_at": _iso(participant.email_confirmed_at),
            "residency_method": participant.residency_method,
            "residency_commune": str(participant.residency_commune or "") or None,
            "residency_verified_at": _iso(participant.residency_verified_at),
            "notification_mode": participant.notification_mode,
        },
        "proposals": [{"id": p.pk, "title": p.title, "text": p.text, "category": p.category,
                       "latitude": p.latitude, "longitude": p.longitude,
                       "created_at": _iso(p.created_at), "status": p.status}
                      for p in participant.proposals.all()],
        "comments": [{"id": c.pk, "proposal": c.proposal_id, "text": c.text,
                      "created_at": _iso(c.created_at)} for c in participant.comments.all()],
        "questions": [{"id": q.pk, "project": q.project.slug, "text": q.text,
                       "created_at": _iso(q.created_at)}
                      for q in participant.questions.select_related("project")],
        "consultation_responses": [
            {"consultation": r.consultation.slug, "submitted_at": _iso(r.submitted_at),
             "answers": [{"question": a.question.label, "value": a.value, "text": a.text}
                         for a in r.answers.select_related("question")]}
            for r in participant.responses.select_related("consultation")
        ],
        "supports": list(user_supports(user)),
        "follows": [{"kind": f.kind, "id": f.object_id} for f in user.participation_follows.all()],
    }  # fmt: skip
    with transaction.atomic():
        audit_record(actor=user, action="read", instance=participant,
                     reason="téléchargement de ses données (RGPD)")  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def user_supports(user):
    return Support.objects.filter(user=user).values_list("proposal_id", flat=True)


def _iso(value):
    return value.isoformat() if value else None


def participant_delete(*, participant: Participant, password: str) -> None:
    """Delete the account: the profile goes, the contributions stay without an author."""
    user = participant.user
    if not user.check_password(password or ""):
        raise ValidationFailed(
            "Mot de passe incorrect : la suppression demande votre mot de passe actuel.",
            "Wrong password: deleting the account needs your current password.",
            where="password",
        )
    with transaction.atomic():
        audit_record(actor=None, action="delete", instance=participant,
                     object_repr=f"participant #{participant.pk}",
                     reason="compte supprimé à la demande du participant (RGPD)")  # fmt: skip
        user.delete()
