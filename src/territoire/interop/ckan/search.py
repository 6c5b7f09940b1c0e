"""package_search: the subset of Solr's query syntax CKAN clients send, over catalogue entries.

Understood in ``q`` and ``fq``: words (prefix match, accent- and case-insensitive), "phrases",
``field:value`` and ``field:"value"`` on the fields below, ranges ``metadata_modified:[2024-01-01T00:00:00Z TO *]``,
``*:*``, a leading ``+`` (required) or ``-`` / ``NOT`` (excluded), ``AND`` (the default between
terms) and ``OR`` between groups of terms. Anything else is a Search Query Error, never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from .. import common
from ..catalogue import WORD, Entry, fold
from .errors import SearchQueryError

TOKEN = re.compile(
    r"""\s*(?P<sign>[+-])?
        (?:(?P<field>[A-Za-z_*][\w.]*|\*):)?
        (?:"(?P<phrase>[^"]*)"|(?P<range>[\[{][^\]}]*[\]}])|(?P<word>[^\s"]+))""",
    re.VERBOSE,
)

TEXT_FIELDS = {"text", "title", "notes"}
EXACT_FIELDS = {
    "name",
    "id",
    "tags",
    "organization",
    "owner_org",
    "groups",
    "res_format",
    "license_id",
    "private",
    "capacity",
    "dataset_type",
    "type",
    "state",
}
DATE_FIELDS = {"metadata_modified", "metadata_created"}
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")
SORT_FIELDS = {
    "score",
    "name",
    "title",
    "title_string",
    "metadata_modified",
    "metadata_created",
    "num_resources",
    "num_tags",
}
DEFAULT_SORT = "score desc, metadata_modified desc"


@dataclass
class Term:
    field: str | None
    value: str
    kind: str  # "word" | "phrase" | "range"
    negated: bool = False


def parse(query: str, *, parameter: str) -> list[list[Term]]:
    """A query as groups of terms: the entry matches when every term of one group matches."""
    groups: list[list[Term]] = [[]]
    negate_next = False
    text = query.replace("(", " ").replace(")", " ")
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SearchQueryError(
                f"Requête {parameter} illisible près de « {text[position : position + 20].strip()} ».",
                f"Unreadable {parameter} query near '{text[position : position + 20].strip()}'.",
            )
        position = match.end()
        field, word = match.group("field"), match.group("word")
        if field is None and word in ("AND", "&&"):
            continue
        if field is None and word in ("OR", "||"):
            groups.append([])
            continue
        if field is None and word == "NOT":
            negate_next = True
            continue
        if match.group("phrase") is not None:
            term = Term(field, match.group("phrase"), "phrase")
        elif match.group("range") is not None:
            term = Term(field, match.group("range"), "range")
        else:
            term = Term(field, word, "word")
        term.negated = negate_next or match.group("sign") == "-"
        negate_next = False
        _check(term, parameter)
        groups[-1].append(term)
    return [g for g in groups if g]


def _check(term: Term, parameter: str) -> None:
    if term.field is None or term.field == "*":
        return
    known = TEXT_FIELDS | EXACT_FIELDS | DATE_FIELDS
    if term.field not in known:
        raise SearchQueryError(
            f"Champ « {term.field} » inconnu dans {parameter}. Champs possibles : {', '.join(sorted(known))}.",
            f"Unknown field '{term.field}' in {parameter}. Known fields: {', '.join(sorted(known))}.",
        )
    if term.kind == "range" and term.field not in DATE_FIELDS:
        raise SearchQueryError(
            f"Les intervalles [a TO b] ne s'appliquent qu'à {', '.join(sorted(DATE_FIELDS))}.",
            f"Ranges [a TO b] only apply to {', '.join(sorted(DATE_FIELDS))}.",
        )
    if term.field in DATE_FIELDS:
        _range(term)  # raises when unreadable


def _datetime(text: str, term: Term) -> dt.datetime | None:
    if text == "*":
        return None
    if text.upper().startswith("NOW"):
        return timezone.now()
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(
            f"Date illisible « {text} » pour {term.field} : écrivez 2024-01-31T00:00:00Z.",
            f"Unreadable date '{text}' for {term.field}: write 2024-01-31T00:00:00Z.",
        ) from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _range(term: Term) -> tuple[dt.datetime | None, bool, dt.datetime | None, bool]:
    if term.kind != "range":
        value = _datetime(term.value, term)
        return value, True, value, True
    body = term.value[1:-1]
    low, sep, high = body.partition(" TO ")
    if not sep:
        raise SearchQueryError(
            f"Intervalle illisible « {term.value} » : écrivez [début TO fin].",
            f"Unreadable range '{term.value}': write [start TO end].",
        )
    return (
        _datetime(low.strip(), term),
        term.value[0] == "[",
        _datetime(high.strip(), term),
        term.value[-1] == "]",
    )


def _text_match(term: Term, text: str, words: set[str]) -> bool:
    if term.kind == "phrase":
        return fold(term.value) in text
    value = term.value
    if value in ("*", "*:*"):
        return True
    needles = WORD.findall(fold(value.rstrip("*")))
    return all(any(w.startswith(n) for w in words) for n in needles)


def _values(entry: Entry, field: str) -> list[str]:
    d = entry.dataset
    if field == "name":
        return [d.slug]
    if field == "id":
        return [common.dataset_uuid(d)]
    if field == "tags":
        return [fold(k) for k in entry.keywords]
    if field == "organization":
        return [d.publisher.slug]
    if field == "owner_org":
        return [common.organization_uuid(d.publisher)]
    if field == "groups":
        return [t.code.lower() for t in entry.themes]
    if field == "res_format":
        return [f.lower() for f in entry.formats]
    if field == "license_id":
        return [d.licence]
    if field == "private":
        return ["false" if d.is_public else "true"]
    if field == "capacity":
        return ["public" if d.is_public else "private"]
    if field in ("dataset_type", "type"):
        return ["dataset"]
    if field == "state":
        return ["active"]
    return []


def _exact(term: Term, entry: Entry) -> bool:
    value = term.value
    values = _values(entry, term.field)
    if term.field == "tags":
        value = fold(value)
    elif term.field in ("groups", "res_format", "private", "capacity"):
        value = value.lower()
    if term.kind == "word" and value.endswith("*"):
        return any(v.startswith(value[:-1]) for v in values)
    return value in values


def _matches(term: Term, entry: Entry) -> bool:
    field = term.field
    if field is None or field == "*" or field == "text":
        hit = _text_match(term, entry.text(), entry.words())
    elif field in ("title", "notes"):
        own = fold(entry.dataset.title if field == "title" else entry.dataset.description)
        hit = _text_match(term, own, set(WORD.findall(own)))
    elif field in DATE_FIELDS:
        low, low_in, high, high_in = _range(term)
        value = entry.modified if field == "metadata_modified" else entry.dataset.created_at
        hit = (low is None or value > low or (low_in and value == low)) and (
            high is None or value < high or (high_in and value == high)
        )
    else:
        hit = _exact(term, entry)
    return hit != term.negated


def matches(groups: list[list[Term]], entry: Entry) -> bool:
    return not groups or any(all(_matches(t, entry) for t in group) for group in groups)


def score(groups: list[list[Term]], entry: Entry) -> int:
    """Relevance: free-text terms found in the title count double."""
    title = set(WORD.findall(fold(entry.dataset.title)))
    total = 0
    for group in groups:
        for term in group:
            if term.field in (None, "text") and term.kind == "word" and not term.negated:
                needles = WORD.findall(fold(term.value.rstrip("*")))
                total += sum(2 if any(w.startswith(n) for w in title) else 1 for n in needles)
    return total


def parse_sort(text: str) -> list[tuple[str, bool]]:
    keys = []
    for part in (text or DEFAULT_SORT).split(","):
        if not part.strip():
            continue
        name, _, direction = part.strip().partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in SORT_FIELDS or direction not in ("asc", "desc"):
            raise SearchQueryError(
                f"Tri « {part.strip()} » impossible : champs {', '.join(sorted(SORT_FIELDS))}, suivis de asc ou desc.",
                f"Cannot sort by '{part.strip()}': fields {', '.join(sorted(SORT_FIELDS))}, followed by asc or desc.",
            )
        keys.append((name, direction == "desc"))
    return keys


def sort_key_value(name: str, entry: Entry, scores: dict[int, int]):
    d = entry.dataset
    if name == "score":
        return scores.get(d.pk, 0)
    if name == "name":
        return d.slug
    if name in ("title", "title_string"):
        return fold(d.title)
    if name == "metadata_modified":
        return entry.modified
    if name == "metadata_created":
        return d.created_at
    if name == "num_resources":
        return len(entry.distributions) + len(entry.exports)
    return len(entry.keywords)


def sort_entries(
    entries: list[Entry], keys: list[tuple[str, bool]], scores: dict[int, int]
) -> list[Entry]:
    ordered = sorted(entries, key=lambda e: e.dataset.pk)  # stable tie-break
    for name, descending in reversed(keys):
        ordered.sort(key=lambda e, n=name: sort_key_value(n, e, scores), reverse=descending)
    return ordered


def facet_values(entry: Entry, field: str) -> list[tuple[str, str]]:
    """(name, display name) pairs an entry contributes to a facet."""
    d = entry.dataset
    if field == "organization":
        return [(d.publisher.slug, d.publisher.name)]
    if field == "groups":
        return [(t.code.lower(), t.label_fr) for t in entry.themes]
    if field == "tags":
        return [(k, k) for k in dict.fromkeys(entry.keywords)]
    if field == "res_format":
        return [(f, f) for f in entry.formats]
    return [(d.licence, common.licence_title(d.licence))]


def facets(
    entries: list[Entry], fields: list[str], *, limit: int, mincount: int
) -> tuple[dict, dict]:
    plain: dict[str, dict[str, int]] = {}
    detailed: dict[str, dict] = {}
    for field in fields:
        if field not in FACET_FIELDS:
            raise SearchQueryError(
                f"Facette « {field} » inconnue : {', '.join(FACET_FIELDS)}.",
                f"Unknown facet '{field}': {', '.join(FACET_FIELDS)}.",
            )
        counts: Counter = Counter()
        names: dict[str, str] = {}
        for entry in entries:
            for name, display in facet_values(entry, field):
                counts[name] += 1
                names[name] = display
        items = sorted(
            ((n, c) for n, c in counts.items() if c >= mincount),
            key=lambda item: (-item[1], item[0]),
        )
        if limit >= 0:
            items = items[:limit]
        plain[field] = dict(items)
        detailed[field] = {
            "title": field,
            "items": [{"name": n, "display_name": names[n], "count": c} for n, c in items],
        }
    return plain, detailed
