"""French text analysis for the catalogue search: accent- and case-insensitive tokens, a light
French stemmer, and highlighted snippets that say why a dataset matched.

The stemmer is a light one in the spirit of Jacques Savoy's French stemmers (the "light" variant
used by Lucene): it removes plurals, feminine endings and the commonest derivational suffixes so
that "délibérations", "délibération" and "délibérer" meet, without the aggressive conflations of a
full Snowball stemmer that would hurt short catalogue titles. Everything works on text that is
already lower-cased and stripped of accents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LIGATURES = (("œ", "oe"), ("æ", "ae"))

# Words too common to say anything in a catalogue query (after normalisation, accents removed).
STOP_WORDS = frozenset(
    """a au aux avec ce ces cet cette d dans de des du en et l la le les leur leurs n ne ou par
    pas pour qu que qui s sa se ses son sur un une y the of and for in on to""".split()
)

# Longest first; each suffix -> what replaces it. Applied once, on words of 5 letters or more.
_SUFFIXES = (
    ("issements", "iss"),
    ("issement", "iss"),
    ("atrices", ""),
    ("ateurs", ""),
    ("ations", ""),
    ("atrice", ""),
    ("ateur", ""),
    ("ation", ""),
    ("ieres", ""),
    ("iere", ""),
    ("iers", ""),
    ("ier", ""),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("ables", ""),
    ("able", ""),
    ("ibles", ""),
    ("ible", ""),
    ("istes", ""),
    ("iste", ""),
    ("ismes", ""),
    ("isme", ""),
    ("ites", ""),
    ("ite", ""),
    ("iques", "ic"),
    ("ique", "ic"),
    ("euses", ""),
    ("euse", ""),
    ("eux", ""),
    ("eurs", ""),
    ("eur", ""),
    ("ives", ""),
    ("ive", ""),
    ("ifs", ""),
    ("if", ""),
    ("elles", "el"),
    ("elle", "el"),
    ("aires", ""),
    ("aire", ""),
    ("aux", "al"),
    ("ales", "al"),
    ("ale", "al"),
    ("ees", ""),
    ("ee", ""),
    ("es", ""),
    ("er", ""),
    ("ez", ""),
    ("e", ""),
    ("s", ""),
    ("x", ""),
)
MIN_STEM = 3


def normalize(text: str) -> str:
    """Lower case, accents and ligatures removed: "Œuvres d'Été" -> "oeuvres d'ete"."""
    lowered = text.lower()
    for ligature, plain in _LIGATURES:
        lowered = lowered.replace(ligature, plain)
    return "".join(
        c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn"
    )


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The light French stem of a normalised word: "deliberations" -> "deliber"."""
    if word.endswith("eaux"):
        word = word[:-1]
    if len(word) < 5 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= MIN_STEM:
            word = word[: len(word) - len(suffix)] + replacement
            break
    # a doubled final consonant left by the cut ("annuell" -> "annuel", "mobilit" kept)
    if len(word) > MIN_STEM + 1 and word[-1] == word[-2] and word[-1] not in "aeiouy":
        word = word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    norm: str
    stem: str


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[Token, ...]:
    """Words of a text with their position in it, normalised form and stem (cached: catalogue
    texts change rarely and are analysed on every search)."""
    found = []
    for match in _WORD.finditer(text):
        norm = normalize(match.group())
        found.append(Token(match.start(), match.end(), norm, stem(norm)))
    return tuple(found)


@dataclass(frozen=True)
class Term:
    """One word of the user's query."""

    norm: str
    stem: str

    def matches(self, token: Token) -> int:
        """2 for the same stem, 1 when the word starts with what was typed (a prefix), else 0."""
        if token.stem == self.stem or token.norm == self.norm:
            return 2
        if len(self.norm) >= MIN_STEM and token.norm.startswith(self.norm):
            return 1
        return 0


def query_terms(query: str) -> list[Term]:
    """The query's meaningful words; stop words are dropped unless the query has nothing else."""
    words = [normalize(m.group()) for m in _WORD.finditer(query)]
    kept = [w for w in words if w not in STOP_WORDS] or words
    seen: dict[str, Term] = {}
    for word in kept:
        seen.setdefault(word, Term(word, stem(word)))
    return list(seen.values())


def field_match(terms: list[Term], text: str) -> dict[int, int]:
    """For each term (by index) the best strength with which it occurs in the text."""
    best: dict[int, int] = {}
    if not text:
        return best
    for token in tokens(text):
        for i, term in enumerate(terms):
            strength = term.matches(token)
            if strength > best.get(i, 0):
                best[i] = strength
    return best


def highlight(text: str, terms: list[Term], *, window: int | None = None) -> SafeString:
    """The text, escaped, with the words matching a term in <mark>; with ``window``, only about
    that many characters around the first match (with ellipses), for a snippet."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    marks = [t for t in tokens(text) if any(term.matches(t) for term in terms)]
    start, end = 0, len(text)
    if window is not None and len(text) > window:
        first = marks[0].start if marks else 0
        start = max(0, first - window // 3)
        end = min(len(text), start + window)
        # cut on word boundaries
        if start > 0:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
    out, position = [], start
    for token in marks:
        if token.start < start or token.end > end:
            continue
        out.append(escape(text[position : token.start]))
        out.append("<mark>" + escape(text[token.start : token.end]) + "</mark>")
        position = token.end
    out.append(escape(text[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every part escaped above
