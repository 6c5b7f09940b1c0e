"""What every participant's write goes through first: the rate limits (per account and per
address, shared by every web process: core.ratelimit), the honeypot, the size of texts, and no
markup. Each refusal says what to do; nothing is written before these checks pass."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core import signing

from territoire.accounts import permissions
from territoire.core import ratelimit
from territoire.core.errors import PermissionRefused, TerritoireError, ValidationFailed

# A tag, a comment or a doctype: "<b", "</", "<!". "a < b" and "<3" stay allowed.
MARKUP = re.compile(r"<[a-zA-Z/!?]")


class TooManyWrites(TerritoireError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int):
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Trop de contributions en peu de temps : réessayez dans {minutes} minute(s). "
            "Votre texte est conservé ci-dessous.",
            f"Too many contributions in a short time: try again in {minutes} minute(s). "
            "Your text is kept below.",
        )
        self.retry_after = retry_after


def check_rate(*, actor, address: str | None) -> None:
    """Count one write against the account's limit and the address's limit."""
    keys = []
    if permissions.is_authenticated(actor):
        keys.append((f"participation-user:{actor.pk}", settings.TERRITOIRE_PARTICIPATION_USER_RATE))
    if address:
        keys.append((f"participation-ip:{address}", settings.TERRITOIRE_PARTICIPATION_IP_RATE))
    for key, rate in keys:
        window = ratelimit.hit(key, rate)
        if not window.allowed:
            raise TooManyWrites(window.retry_after)


def check_honeypot(value: str | None) -> None:
    """A field hidden from people (and labelled « leave empty »): robots fill it in."""
    if value:
        raise ValidationFailed(
            "Le formulaire n'a pas été envoyé : laissez vide le champ « ne pas remplir ».",
            "The form was not sent: leave the 'do not fill in' field empty.",
            where="website",
        )


def clean_text(value: str | None, *, field: str, label: str, required: bool = True,
               max_length: int | None = None) -> str:  # fmt: skip
    """Strip ``value``; refuse it empty (when required), too long, or holding HTML."""
    text = (value or "").strip().replace("\r\n", "\n")
    limit = max_length or settings.TERRITOIRE_PARTICIPATION_MAX_TEXT
    if required and not text:
        raise ValidationFailed(
            f"« {label} » est obligatoire.", f"'{field}' is required.", where=field
        )
    if len(text) > limit:
        raise ValidationFailed(
            f"« {label} » est trop long : {len(text)} caractères pour {limit} au plus. "
            "Raccourcissez-le.",
            f"'{field}' is too long: {len(text)} characters, at most {limit}. Shorten it.",
            where=field,
        )
    if MARKUP.search(text):
        raise ValidationFailed(
            f"« {label} » contient du code HTML (« < » suivi d'une lettre) : écrivez du texte "
            "simple, sans balises.",
            f"'{field}' contains HTML ('<' followed by a letter): write plain text, without tags.",
            where=field,
        )
    return text


def require_participant(actor):
    """The actor's participant profile, confirmed; else a refusal saying what to do."""
    participant = (
        getattr(actor, "participant", None) if permissions.is_authenticated(actor) else None
    )
    if participant is None:
        raise PermissionRefused(
            "Connectez-vous avec un compte participant pour contribuer.",
            "Sign in with a participant account to contribute.",
        )
    if not participant.is_confirmed:
        raise PermissionRefused(
            "Confirmez d'abord votre adresse électronique : suivez le lien du courriel reçu.",
            "First confirm your e-mail address: follow the link in the e-mail you received.",
        )
    return participant


FORM_SALT = "participation.form"
FORM_MAX_AGE = 86400


def form_token(actor) -> str:
    """A signed one-use token for a contribution form, bound to the account."""
    return signing.dumps({"u": getattr(actor, "pk", None), "n": secrets.token_urlsafe(9)},
                         salt=FORM_SALT)  # fmt: skip


def form_token_use(token: str | None, actor) -> None:
    """Refuse a forged, foreign, expired or already used form (a replayed POST)."""
    try:
        data = signing.loads(token or "", salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.BadSignature:
        raise ValidationFailed(
            "Ce formulaire n'est pas valide ou a expiré : rechargez la page et envoyez-le de "
            "nouveau. Votre texte est conservé ci-dessous.",
            "This form is not valid or has expired: reload the page and send it again. Your "
            "text is kept below.",
            where="form_token",
        ) from None
    if data.get("u") != getattr(actor, "pk", None):
        raise ValidationFailed("Ce formulaire a été ouvert par un autre compte.",
                               "This form was opened by another account.", where="form_token")  # fmt: skip
    if not ratelimit.hit(f"form:{data.get('n')}", f"1/{FORM_MAX_AGE}").allowed:
        raise ValidationFailed(
            "Ce formulaire a déjà été envoyé : votre contribution est enregistrée une seule fois.",
            "This form was already sent: your contribution is recorded once.",
            where="form_token",
        )
