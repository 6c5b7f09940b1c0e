"""Translations: the English catalogue is complete and compiled, the portal's strings are all in it,
and an English visitor meets no French interface text."""

from __future__ import annotations

import ast
import gettext
import html
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parents[2]
LOCALE = PACKAGE / "locale"
WEB_TEMPLATES = PACKAGE / "web" / "templates"
# Python modules of the portal whose strings reach the visitor.
PORTAL_PYTHON = [
    *sorted(
        p
        for p in (PACKAGE / "web").rglob("*.py")
        if not {"tests", "migrations"} & set(p.relative_to(PACKAGE / "web").parts)
    ),
    PACKAGE / "accounts" / "forms.py",
]
GETTEXT_FUNCTIONS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """A small reader of gettext .po files: enough to check completeness, without a dependency."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # what a continuation line ("…") extends

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("#,")):
            continue  # blank, a comment, a location, or an obsolete entry (#~)
        if line.startswith('"'):
            keyword, value = None, ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest) if rest.startswith('"') else None
        starts_entry = line.startswith("#,") or keyword in ("msgctxt", "msgid")
        if starts_entry and target is not None and target[0] == "msgstr":
            entries.append(entry)
            entry, target = Entry(), None
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif keyword is None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            entry.line = entry.line or number
            setattr(entry, keyword, value)
            target = (keyword, 0)
    if target is not None:
        entries.append(entry)
    return entries


def messages(lang: str) -> list[Entry]:
    return [e for e in parse_po(LOCALE / lang / "LC_MESSAGES" / "django.po") if e.msgid]


def _literals_after(tokens: list[tokenize.TokenInfo], start: int) -> list[str]:
    """The string literals passed to the call whose opening parenthesis is tokens[start]
    (adjacent literals joined, as Python and xgettext join them)."""
    found: list[str] = []
    depth, adjacent = 0, False
    for token in tokens[start:]:
        if token.type == tokenize.OP and token.string == "(":
            depth += 1
        elif token.type == tokenize.OP and token.string == ")":
            depth -= 1
            if depth == 0:
                break
        elif token.type == tokenize.STRING and depth == 1:
            text = ast.literal_eval(token.string)
            if adjacent:
                found[-1] += text
            else:
                found.append(text)
            adjacent = True
            continue
        elif token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            continue
        adjacent = False
    return found


def gettext_calls(source: str) -> list[tuple[str, list[str]]]:
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    calls = []
    for i, token in enumerate(tokens[:-1]):
        if token.type == tokenize.NAME and token.string in GETTEXT_FUNCTIONS:
            if tokens[i + 1].string == "(":
                calls.append((token.string, _literals_after(tokens, i + 1)))
    return calls


def portal_msgids() -> dict[str, set[str]]:
    """Every translatable string of the portal's templates and Python code -> where it is."""
    found: dict[str, set[str]] = {}
    sources = [(p, templatize(p.read_text(encoding="utf-8"))) for p in WEB_TEMPLATES.rglob("*.*")]
    sources += [(p, p.read_text(encoding="utf-8")) for p in PORTAL_PYTHON]
    for path, source in sources:
        for function, literals in gettext_calls(source):
            if not literals:
                continue
            msgid = literals[1] if function.startswith(("pgettext", "npgettext")) else literals[0]
            found.setdefault(msgid, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_english_catalogue_is_complete_and_has_no_fuzzy_entry():
    entries = messages("en")
    assert len(entries) > 300
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    plurals_short = [e.msgid for e in entries if e.msgid_plural and len(e.msgstr) != 2]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert not plurals_short, plurals_short
    assert not fuzzy, f"fuzzy (check, then remove the flag): {fuzzy[:20]}"


def test_french_catalogue_gives_french_plural_forms():
    """French is the source language; its catalogue exists for the plural rule (0 is singular)."""
    entries = messages("fr")
    plurals = [e for e in entries if e.msgid_plural]
    assert plurals
    for e in plurals:
        assert e.msgstr == {0: e.msgid, 1: e.msgid_plural}, e.msgid
    assert not [e.msgid for e in entries if "fuzzy" in e.flags]
    header = parse_po(LOCALE / "fr" / "LC_MESSAGES" / "django.po")[0]
    assert "plural=(n > 1)" in header.msgstr[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_compiled_catalogue_matches_the_po_file(lang):
    """The .mo is committed (a machine without gettext still translates): it must be up to date."""
    with (LOCALE / lang / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in messages(lang):
        if not all(e.msgstr.values()):
            continue  # an untranslated French entry: the msgid itself is the text
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        if e.msgid_plural:
            got = {i: compiled._catalog.get((key, i)) for i in e.msgstr}  # type: ignore[attr-defined]
        else:
            got = {0: compiled._catalog.get(key)}  # type: ignore[attr-defined]
        if got != e.msgstr:
            stale.append(e.msgid)
    assert not stale, f"django.mo is older than django.po for {stale[:10]}: run `make messages`"


def test_every_portal_string_is_in_the_english_catalogue():
    catalogue = {e.msgid for e in messages("en")}
    found = portal_msgids()
    assert "Aller au contenu" in found and "Contour du territoire." in found
    missing = {msgid: where for msgid, where in found.items() if msgid not in catalogue}
    assert not missing, (
        "strings missing from locale/en/LC_MESSAGES/django.po: run `make messages`, translate "
        f"the new entries, then `make messages` again to compile: {missing}"
    )


@pytest.mark.django_db
def test_english_home_page_has_no_french_interface_text(client, montpellier, make_dataset):
    make_dataset("Budget primitif", publish=True)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    english = {e.msgid: e.msgstr[0] for e in messages("en")}
    shown_here = {"web/templates/base.html", "web/templates/web/home.html"}
    french_left = [
        msgid
        for msgid, where in portal_msgids().items()
        if where & shown_here
        and english.get(msgid) != msgid
        and any(
            re.search(rf"(?<!\w){re.escape(text)}(?!\w)", page)
            for text in {msgid, html.escape(msgid)}
        )
    ]
    assert not french_left, french_left
    for expected in ("Skip to content", "Main menu", "Key figures", "Log in", "Legal notice"):
        assert expected in page


@pytest.mark.django_db
def test_french_counts_zero_as_singular(client):
    page = client.get("/jeux-de-donnees/?q=rien", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "0 jeu de données" in page
