"""A password validator against passwords that look breached: those that guessing tools try
first although they are not in Django's list of common passwords.

Three patterns, each refused with its own reason (Django's validators show them on the password
change and reset pages, in the admin and in `user_create`):

- keyboard walks and sequences: « azertyuiop », « qsdfgh », « 123456 », « abcdef », reversed too;
- repeated characters: « aaaa », a short pattern repeated (« abcabcabcabc »), too few different
  characters;
- the territory's name (the installation's publishers, TERRITOIRE_PASSWORD_FORBIDDEN_WORDS) or a
  word every list starts with, plus a year or digits: « Montpellier2026! », « Motdepasse123 ».

Each check runs on the password folded to lower case without accents, so « Montpellier » and
« MONTPELLIER » are the same word.
"""

from __future__ import annotations

import re
import unicodedata

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Rows of the French and English keyboards, the digits and the alphabet: a run of RUN characters
# along one of them (either way) is a walk.
SEQUENCES = (
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1234567890",
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",  # the columns of QWERTY, top to bottom
    "1aqw2zsx3edc4rfv5tgb6yhn7uj8ik9ol0pm",  # the columns of AZERTY
    "qazwsxedcrfvtgbyhnujmikolp",
    "aqwzsxedcrfvtgbyhnujikolpm",
)
RUN = 4  # characters in a row along a sequence that count as a walk
MIN_OWN = 6  # characters that must remain once walks, repeats, words and years are taken out
WORDS = {
    "motdepasse",
    "password",
    "passe",
    "admin",
    "administrateur",
    "territoire",
    "bonjour",
    "soleil",
    "azerty",
    "qwerty",
    "mairie",
    "ville",
    "metropole",
    "commune",
    "agglomeration",
    "communaute",
}
_YEARS = re.compile(r"(?:19|20)\d\d")
_NOT_LETTERS = re.compile(r"[^a-z]")


def fold(text: str) -> str:
    """Lower case, accents removed: « Métropole » -> « metropole »."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _walk_spans(text: str) -> list[tuple[int, int]]:
    """Spans of text that run RUN or more characters along a sequence, either way."""
    spans = []
    lines = [*SEQUENCES, *(s[::-1] for s in SEQUENCES)]
    i = 0
    while i < len(text):
        best = 0
        for line in lines:
            start = line.find(text[i])
            if start < 0:
                continue
            n = 1
            while i + n < len(text) and start + n < len(line) and text[i + n] == line[start + n]:
                n += 1
            best = max(best, n)
        if best >= RUN:
            spans.append((i, i + best))
            i += best
        else:
            i += 1
    return spans


def _remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return "".join(kept)


def _repeats(text: str) -> bool:
    if re.search(r"(.)\1{3,}", text):
        return True
    compact = re.sub(r"\s", "", text)
    for size in range(1, 5):  # a short pattern repeated over the whole password
        unit = compact[:size]
        whole = len(compact) // size * size
        if unit and len(compact) >= 3 * size and unit * (whole // size) == compact[:whole]:
            return True
    return len(set(compact)) < 5


def territory_words() -> set[str]:
    """The installation's own words: its publishers' names (asked of the model registry, not by
    importing the organisations' app, which sits above accounts) and the configured words."""
    words = {fold(w) for w in getattr(settings, "TERRITOIRE_PASSWORD_FORBIDDEN_WORDS", [])}
    try:
        organization = apps.get_model("organizations", "Organization")
        names = organization.objects.values_list("name", flat=True)[:200]
        for name in names:
            words.update(w for w in re.split(r"[^a-z]+", fold(name)) if len(w) >= 4)
    except LookupError:
        pass
    return {w for w in words if w}


class BreachedLookingPasswordValidator:
    """Refuse keyboard walks, repeated characters, and a known word with a year or digits."""

    def validate(self, password: str, user=None) -> None:
        text = fold(password)
        errors = []
        walks = _walk_spans(text)
        if sum(end - start for start, end in walks) * 2 >= len(text) or any(
            end - start >= 6 for start, end in walks
        ):
            errors.append(
                ValidationError(
                    _(
                        "Ce mot de passe suit une ligne du clavier ou une suite (comme « azerty », « qsdf » ou « 123456 ») : ce sont les premiers essayés par les attaquants."
                    ),
                    code="password_keyboard_walk",
                )
            )
        if _repeats(text):
            errors.append(
                ValidationError(
                    _(
                        "Ce mot de passe répète les mêmes caractères ou le même motif : mélangez des mots différents."
                    ),
                    code="password_repeated",
                )
            )
        letters = _NOT_LETTERS.sub("", _YEARS.sub("", _remove_spans(text, walks)))
        for word in sorted(WORDS | territory_words(), key=len, reverse=True):
            letters = letters.replace(word, "")
        if len(letters) < MIN_OWN and not errors:
            errors.append(
                ValidationError(
                    _(
                        "Ce mot de passe n'est fait que d'un nom connu (le territoire, « motdepasse »…) avec une année ou des chiffres : ajoutez des mots à vous."
                    ),
                    code="password_known_word",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "Votre mot de passe ne peut pas suivre le clavier (« azerty », « 123456 »), répéter un même motif, ni n'être que le nom du territoire avec une année."
        )
