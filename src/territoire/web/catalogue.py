"""Catalogue search for the portal: full text (accents, case, light French stemming), facets with
counts, sorting and the reasons each result matched.

A territory's catalogue holds hundreds to a few thousand datasets: the visible ones are read in a
fixed number of queries (datasets, themes, territories, distributions), then matched, scored and
counted in Python, where French-aware matching is easy and the same on SQLite and PostgreSQL.
Tokenising is cached per text (``text.tokens``), so a search costs a scan of cached tuples.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from territoire.accounts import permissions
from territoire.catalog.models import Dataset, Distribution
from territoire.catalog.vocabularies import AccessLevel, Frequency, Licence
from territoire.lake.models import Conformity

from . import text

# Weight of a match in each field (a stem match counts double a prefix match).
FIELD_WEIGHTS = {"title": 10, "keywords": 6, "themes": 4, "service": 3, "description": 2}
FIELD_LABELS = {
    "title": _("titre"),
    "keywords": _("mots-clés"),
    "themes": _("thèmes"),
    "service": _("service producteur"),
    "description": _("description"),
}
SORTS = {
    "pertinence": _("Pertinence"),
    "titre": _("Titre (A → Z)"),
    "recent": _("Dernière mise à jour"),
}
PAGE_SIZE = 20
NO_DATA = "sans-donnees"


def is_staff(actor) -> bool:
    """Agents of the territory (and data officers) see internal datasets and the access facet."""
    return permissions.is_agent(actor)


@dataclass
class Doc:
    """What the search needs of one dataset."""

    pk: int
    slug: str
    title: str
    description: str
    keywords: list[str]
    modified_at: dt.datetime
    access_level: str
    is_published: bool
    frequency: str
    licence: str
    publisher: str
    service_id: int | None
    service_name: str
    service_slug: str
    organization_slug: str
    conformity: str  # valid / invalid / none, or NO_DATA
    schema_ref: str
    row_count: int | None
    themes: list[tuple[str, str, str]] = field(default_factory=list)  # code, fr, en
    territories: list[tuple[int, str]] = field(default_factory=list)  # id, name
    formats: set[str] = field(default_factory=set)

    @property
    def is_public(self) -> bool:
        return self.is_published and self.access_level == AccessLevel.PUBLIC

    @property
    def access_label(self) -> str:
        return str(AccessLevel(self.access_level).label)

    @property
    def plain_description(self) -> str:
        return markdown_to_text(self.description)

    def facet_values(self, name: str) -> list[str]:
        if name == "theme":
            return [code for code, _fr, _en in self.themes]
        if name == "service":
            return [str(self.service_id)] if self.service_id else []
        if name == "territoire":
            return [str(pk) for pk, _name in self.territories]
        if name == "format":
            return sorted(self.formats)
        if name == "licence":
            return [self.licence]
        if name == "conformite":
            return [self.conformity]
        if name == "frequence":
            return [self.frequency]
        if name == "acces":
            return [self.access_level]
        return []


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^|\s)[#>*+-]+\s|[*_`~]{1,3}")


def markdown_to_text(source: str) -> str:
    """Markdown reduced to its words, for snippets (links keep their text)."""
    plain = _MD_LINK.sub(r"\1", source or "")
    plain = _MD_MARKS.sub(r"\1", plain)
    return " ".join(plain.split())


def load_docs(datasets: QuerySet[Dataset]) -> list[Doc]:
    """The search documents of these datasets, in four queries."""
    rows = datasets.order_by().values(
        "pk",
        "slug",
        "title",
        "description",
        "keywords",
        "modified_at",
        "access_level",
        "is_published",
        "frequency",
        "licence",
        "publisher__name",
        "publisher_service_id",
        "publisher_service__name",
        "publisher_service__slug",
        "publisher_service__organization__slug",
        "lake__current_version__conformity",
        "lake__current_version__schema_ref",
        "lake__current_version__row_count",
        "lake__current_version__source_format",
    )
    docs: dict[int, Doc] = {}
    for r in rows:
        version_format = r["lake__current_version__source_format"]
        docs[r["pk"]] = Doc(
            pk=r["pk"],
            slug=r["slug"],
            title=r["title"],
            description=r["description"] or "",
            keywords=list(r["keywords"] or []),
            modified_at=r["modified_at"],
            access_level=r["access_level"],
            is_published=r["is_published"],
            frequency=r["frequency"],
            licence=r["licence"],
            publisher=r["publisher__name"] or "",
            service_id=r["publisher_service_id"],
            service_name=r["publisher_service__name"] or "",
            service_slug=r["publisher_service__slug"] or "",
            organization_slug=r["publisher_service__organization__slug"] or "",
            conformity=r["lake__current_version__conformity"] or NO_DATA,
            schema_ref=r["lake__current_version__schema_ref"] or "",
            row_count=r["lake__current_version__row_count"],
            formats={version_format.upper()} if version_format else set(),
        )
    if not docs:
        return []
    ids = datasets.order_by().values("pk")
    themes = Dataset.themes.through.objects.filter(dataset_id__in=ids).values_list(
        "dataset_id", "theme__code", "theme__label_fr", "theme__label_en"
    )
    for dataset_id, code, fr, en in themes.order_by("theme__label_fr"):
        if dataset_id in docs:
            docs[dataset_id].themes.append((code, fr, en))
    territories = Dataset.territories.through.objects.filter(dataset_id__in=ids).values_list(
        "dataset_id", "territory_id", "territory__name"
    )
    for dataset_id, territory_id, name in territories.order_by("territory__name"):
        if dataset_id in docs:
            docs[dataset_id].territories.append((territory_id, name))
    formats = Distribution.objects.filter(dataset_id__in=ids).values_list("dataset_id", "format")
    for dataset_id, fmt in formats:
        if dataset_id in docs and fmt:
            docs[dataset_id].formats.add(fmt.upper())
    return list(docs.values())


@dataclass
class Hit:
    doc: Doc
    score: float = 0.0
    fields: list[str] = field(default_factory=list)  # where the query matched
    title_html: str = ""
    snippet_html: str = ""
    matched_keywords: list[str] = field(default_factory=list)


def _theme_text(doc: Doc) -> str:
    return " ".join(f"{fr} {en}" for _code, fr, en in doc.themes)


def match(doc: Doc, terms: list[text.Term]) -> Hit | None:
    """The hit when every term occurs in some field of the dataset, else None."""
    texts = {
        "title": doc.title,
        "keywords": " ".join(doc.keywords),
        "themes": _theme_text(doc),
        "service": f"{doc.service_name} {doc.publisher}",
        "description": doc.plain_description,
    }
    found: dict[int, int] = {}
    hit = Hit(doc)
    for name, content in texts.items():
        strengths = text.field_match(terms, content)
        if strengths:
            hit.fields.append(name)
            hit.score += FIELD_WEIGHTS[name] * sum(strengths.values())
        for i, s in strengths.items():
            found[i] = max(found.get(i, 0), s)
    if len(found) < len(terms):
        return None
    hit.title_html = text.highlight(doc.title, terms)
    if "description" in hit.fields:
        hit.snippet_html = text.highlight(doc.plain_description, terms, window=220)
    hit.matched_keywords = [k for k in doc.keywords if text.field_match(terms, k)]
    return hit


# ------------------------------------------------------------------ facets


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class Facet:
    name: str  # GET parameter
    label: str
    values: list[FacetValue]

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


FACETS = (
    ("theme", _("Thème")),
    ("service", _("Service producteur")),
    ("territoire", _("Territoire")),
    ("format", _("Format")),
    ("licence", _("Licence")),
    ("conformite", _("Conformité au schéma")),
    ("frequence", _("Fréquence de mise à jour")),
    ("acces", _("Niveau d'accès")),
)
STAFF_ONLY_FACETS = {"acces"}
CONFORMITY_LABELS = {
    Conformity.VALID: _("Conforme à son schéma"),
    Conformity.INVALID: _("Non conforme à son schéma"),
    Conformity.NONE: _("Sans schéma déclaré"),
    NO_DATA: _("Sans données chargées"),
}


def _label_maker(docs: list[Doc]):
    english = (get_language() or "fr").startswith("en")
    themes = {code: (en if english else fr) for d in docs for code, fr, en in d.themes}
    services = {str(d.service_id): d.service_name for d in docs if d.service_id}
    territories = {str(pk): name for d in docs for pk, name in d.territories}

    def label(facet: str, value: str) -> str:
        if facet == "theme":
            return themes.get(value, value)
        if facet == "service":
            return services.get(value, value)
        if facet == "territoire":
            return territories.get(value, value)
        if facet == "licence":
            return str(Licence(value).label) if value in Licence.values else value
        if facet == "conformite":
            return str(CONFORMITY_LABELS.get(value, value))
        if facet == "frequence":
            return str(Frequency(value).label) if value in Frequency.values else value
        if facet == "acces":
            return str(AccessLevel(value).label) if value in AccessLevel.values else value
        return value

    return label


@dataclass
class SearchResult:
    query: str
    sort: str
    hits: list[Hit]
    facets: list[Facet]
    selected: dict[str, set[str]]
    total_visible: int


def _passes(doc: Doc, selected: dict[str, set[str]], skip: str | None = None) -> bool:
    for name, values in selected.items():
        if name == skip or not values:
            continue
        if not values.intersection(doc.facet_values(name)):
            return False
    return True


def search(
    actor, datasets: QuerySet[Dataset], *, query: str, selected: dict[str, set[str]], sort: str
) -> SearchResult:
    """Match, filter, count and sort. Facets are disjunctive: each facet's counts apply every
    other facet's selection, so a visitor sees what choosing another value would give."""
    facet_names = [n for n, _label in FACETS if n not in STAFF_ONLY_FACETS or is_staff(actor)]
    selected = {k: v for k, v in selected.items() if k in facet_names and v}
    docs = load_docs(datasets)
    terms = text.query_terms(query) if query.strip() else []
    if terms:
        hits = [h for h in (match(d, terms) for d in docs) if h is not None]
    else:
        hits = [Hit(d, title_html=text.highlight(d.title, [])) for d in docs]

    label = _label_maker(docs)
    facets = []
    for name, facet_label in FACETS:
        if name not in facet_names:
            continue
        counts: dict[str, int] = {}
        for hit in hits:
            if _passes(hit.doc, selected, skip=name):
                for value in hit.doc.facet_values(name):
                    counts[value] = counts.get(value, 0) + 1
        for value in selected.get(name, ()):  # a chosen value stays listed, even at 0
            counts.setdefault(value, 0)
        values = [
            FacetValue(value, label(name, value), n, value in selected.get(name, ()))
            for value, n in counts.items()
        ]
        values.sort(key=lambda v: (-v.count, text.normalize(v.label)))
        if values:
            facets.append(Facet(name, str(facet_label), values))

    hits = [h for h in hits if _passes(h.doc, selected)]
    if sort not in SORTS:
        sort = "pertinence" if terms else "recent"
    if sort == "pertinence" and not terms:
        sort = "recent"
    if sort == "titre":
        hits.sort(key=lambda h: text.normalize(h.doc.title))
    elif sort == "recent":
        hits.sort(key=lambda h: (h.doc.modified_at, h.doc.pk), reverse=True)
    else:
        hits.sort(key=lambda h: (-h.score, text.normalize(h.doc.title)))
    return SearchResult(query, sort, hits, facets, selected, len(docs))
