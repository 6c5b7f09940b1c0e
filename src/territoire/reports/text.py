"""Checks on the text people type: bounded, and no markup (it is shown escaped anyway, but a
report is plain words; "<script>" in one is refused with a message rather than stored)."""

from __future__ import annotations

import re

from territoire.core.errors import ValidationFailed

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000
ADDRESS_MAX = 200
MESSAGE_MAX = 2000
REASON_MAX = 500

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:|&#|\bon[a-z]+\s*=", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(
    value: str | None,
    *,
    where: str,
    label_fr: str,
    label_en: str,
    maximum: int,
    minimum: int = 0,
) -> str:
    """The text stripped, or ValidationFailed naming the field and what to do."""
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    if len(text) < minimum:
        if not text:
            raise ValidationFailed(
                f"{label_fr} : ce champ est obligatoire.",
                f"{label_en}: this field is required.",
                where=where,
            )
        raise ValidationFailed(
            f"{label_fr} : au moins {minimum} caractères, s'il vous plaît (vous en avez écrit {len(text)}).",
            f"{label_en}: at least {minimum} characters, please (you wrote {len(text)}).",
            where=where,
        )
    if len(text) > maximum:
        raise ValidationFailed(
            f"{label_fr} : {len(text)} caractères, la limite est {maximum}. Raccourcissez le texte.",
            f"{label_en}: {len(text)} characters, the limit is {maximum}. Shorten the text.",
            where=where,
        )
    if _MARKUP.search(text):
        raise ValidationFailed(
            f"{label_fr} : le texte contient du code HTML ou JavaScript (« < » suivi d'une lettre, "
            "« javascript: »…). Écrivez du texte simple, sans balises.",
            f"{label_en}: the text holds HTML or JavaScript code ('<' followed by a letter, "
            "'javascript:'…). Write plain text, without tags.",
            where=where,
        )
    return text
