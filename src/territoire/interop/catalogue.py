"""The catalogue as the CKAN and OpenDataSoft front-ends search it: one entry per dataset the actor
may see, with everything their shapes need loaded in a fixed number of queries.

Catalogue searches run in Python over these entries: a territory's catalogue holds hundreds to a
few thousand datasets, and this keeps the search accent-insensitive and identical on SQLite and
PostgreSQL. Records never go through here (they go through the query engine).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.records import exports as record_exports
from territoire.territories.models import Territory

from . import common


def fold(text: str) -> str:
    """Lower-case, accents removed: 'Éducation' -> 'education'."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


WORD = re.compile(r"\w+")


@dataclass
class Entry:
    dataset: Dataset
    version: object | None  # lake.models.DatasetVersion served, or None
    themes: list = field(default_factory=list)
    territories: list = field(default_factory=list)
    distributions: list = field(default_factory=list)
    # The columns a reader under a column-scoped access grant may see (None: every column).
    open_columns: frozenset[str] | None = None

    @property
    def is_public(self) -> bool:
        return self.dataset.is_public

    @property
    def keywords(self) -> list[str]:
        return [str(k).strip() for k in (self.dataset.keywords or []) if str(k).strip()]

    @property
    def exports(self) -> list[record_exports.ExportFormat]:
        return common.export_formats(self.version)

    @property
    def formats(self) -> list[str]:
        """Every format the dataset is available in (its distributions and the record exports)."""
        seen: dict[str, None] = {}
        for distribution in self.distributions:
            seen.setdefault(distribution.format.upper(), None)
        for export in self.exports:
            seen.setdefault(export.label.upper(), None)
        return list(seen)

    @property
    def modified(self):
        dates = [self.dataset.modified_at]
        if self.version is not None:
            dates.append(self.version.created_at)
        return max(dates)

    @property
    def records_count(self) -> int:
        return int(self.version.row_count) if self.version is not None else 0

    def text(self) -> str:
        """Folded text the free-text search looks into."""
        cached = getattr(self, "_text", None)
        if cached is None:
            d = self.dataset
            parts = [d.title, d.slug, d.description, d.publisher.name, *self.keywords]
            parts += [t.label_fr for t in self.themes] + [t.label_en for t in self.themes]
            parts += [t.name for t in self.territories]
            parts += [r.title for r in self.distributions]
            if d.publisher_service is not None:
                parts.append(d.publisher_service.name)
            cached = fold(" ".join(parts))
            self._text = cached
        return cached

    def words(self) -> set[str]:
        cached = getattr(self, "_words", None)
        if cached is None:
            cached = set(WORD.findall(self.text()))
            self._words = cached
        return cached


def _territories():
    return Territory.objects.defer("geometry")


def visible(actor) -> QuerySet[Dataset]:
    """What the actor may see, from the one selector that decides it."""
    return catalog_selectors.dataset_list_for_actor(actor)


def entries(queryset: QuerySet[Dataset], actor=None) -> list[Entry]:
    """The catalogue entries of ``queryset``; given the ``actor`` they are for, a non-public
    dataset read under a column-scoped grant lists only its open columns."""
    datasets = list(
        queryset.select_related("publisher", "publisher_service")
        .prefetch_related(
            "themes",
            "distributions",
            "column_descriptions",
            Prefetch("territories", queryset=_territories()),
        )
        .order_by("pk")
    )
    versions = common.current_versions(datasets)
    return [
        Entry(
            dataset=d,
            version=versions.get(d.pk),
            themes=list(d.themes.all()),
            territories=list(d.territories.all()),
            distributions=list(d.distributions.all()),
            open_columns=_open_columns(actor, d),
        )
        for d in datasets
    ]


def _open_columns(actor, dataset: Dataset) -> frozenset[str] | None:
    if actor is None or dataset.is_public:
        return None
    grant = catalog_selectors.dataset_read_grant(actor, dataset.pk)
    return frozenset(grant.columns) if grant is not None and grant.columns else None


def _by_stable_uuid(qs: QuerySet[Dataset], id_or_name: str) -> QuerySet[Dataset] | None:
    """The dataset of ``qs`` whose stable UUID is ``id_or_name`` (as a queryset), or None."""
    if len(id_or_name) != 36:
        return None
    for pk in qs.values_list("pk", flat=True):
        if common.stable_uuid("dataset", pk) == id_or_name:
            return qs.filter(pk=pk)
    return None


def dataset_for(actor, id_or_name: str) -> tuple[Dataset, object] | None:
    """(dataset, served version or None) by slug or stable UUID, if the actor may see it: what
    the records endpoints need, without the catalogue's relations (two queries, not five)."""
    qs = visible(actor).select_related(None).prefetch_related(None)
    dataset = qs.filter(slug=id_or_name).first()
    if dataset is None:
        by_uuid = _by_stable_uuid(qs, id_or_name)
        dataset = by_uuid.first() if by_uuid is not None else None
    if dataset is None:
        return None
    return dataset, common.current_version(dataset)


def entry_for(actor, id_or_name: str) -> Entry | None:
    """One dataset by slug or by its stable UUID, if the actor may see it."""
    qs = visible(actor)
    found = entries(qs.filter(slug=id_or_name), actor)
    if not found:
        by_uuid = _by_stable_uuid(qs, id_or_name)
        found = entries(by_uuid, actor) if by_uuid is not None else []
    return found[0] if found else None
