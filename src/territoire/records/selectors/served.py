"""What is served, and to whom: the dataset a reader may see and the version of it they read.

Record ids: every record of a version has ``_id``, the 1-based ordinal of its row in the
version's Parquet file (``_record_id`` when the data has its own ``_id`` column). A version
never changes, so (version, ``_id``) names one record forever; ``_id`` is a field like the
others (``where=_id > 100``, ``order_by=_id desc``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import NotFound
from territoire.core.prepared import PreparedQuery, json_value
from territoire.lake.models import DatasetVersion
from territoire.lake.services.files import lake_root

from ..columns import Column, columns_of
from . import scope


@dataclass
class Version:
    """What reading a version needs (a DatasetVersion without its large report)."""

    pk: int
    number: int
    path: str
    row_count: int
    columns: list[dict]  # the lake's description of the columns (statistics, roles, reasons)
    parquet_checksum: str

    @property
    def absolute_path(self) -> Path:
        return lake_root() / self.path


VERSION_FIELDS = ("id", "number", "path", "row_count", "columns", "parquet_checksum")


@dataclass
class Served:
    """A dataset as one reader sees it, and the version read."""

    dataset_id: int
    slug: str
    is_public: bool
    version: Version | None  # None when the dataset has no data yet
    id_column: str = "_id"
    columns: tuple[Column, ...] = field(default_factory=tuple)  # the id, then the data
    # the scope of the access grant the reader reads under (None: by right, every row and column)
    restriction: scope.Restriction | None = None
    grant_id: int | None = None  # the grant the reader reads under (scoped or not)

    @property
    def read(self) -> Version:
        """The version read, once the caller has answered the case of a dataset without data."""
        if self.version is None:
            raise NotFound(
                "Ce jeu de données n'a pas encore de données.",
                "This dataset has no data yet.",
                where="slug",
            )
        return self.version

    @property
    def data_columns(self) -> tuple[Column, ...]:
        return self.columns[1:]

    @cached_property
    def dataset(self) -> Dataset:
        """The catalogue object (one more query: only the audit of non-public reads needs it)."""
        return Dataset.objects.get(pk=self.dataset_id)


def served_get(actor, slug: str, *, version: int | None = None) -> Served:
    """The dataset ``slug`` if ``actor`` may see it (NotFound otherwise: the same answer as for
    a dataset that does not exist) and the version to read: ``version``, else the served one.

    One query for the dataset and its served version, through the catalogue's access check
    (``dataset_list_for_actor``); plain values, not model instances: this runs on every read.
    """
    scope = catalog_selectors.shared_scope(actor)
    if scope is not None:
        found = _SERVED_QUERIES[scope].rows(slug)
    else:
        found = list(_served_queryset(catalog_selectors.dataset_list_for_actor(actor), slug))
    if not found:
        raise NotFound(
            f"Jeu de données « {slug} » introuvable.", f"Dataset '{slug}' not found.", where="slug"
        )
    dataset_id, access_level, is_published, *current = found[0]
    if current[0] is not None:
        current[4] = json_value(current[4])  # columns: raw JSON text from a prepared query
    is_public = bool(is_published) and access_level == AccessLevel.PUBLIC
    if version is not None:
        chosen = (
            DatasetVersion.objects.filter(dataset_id=dataset_id, number=version)
            .values_list(*VERSION_FIELDS)
            .first()
        )
        if chosen is None:
            raise NotFound(
                f"Le jeu de données « {slug} » n'a pas de version {version}.",
                f"Dataset '{slug}' has no version {version}.",
                where="version",
            )
    else:
        chosen = current if current[0] is not None else None
    served = served_for(None, Version(*chosen) if chosen else None)
    served.dataset_id, served.slug, served.is_public = dataset_id, slug, is_public
    if not is_public and scope is None:
        _apply_grant(served, catalog_selectors.dataset_read_grant(actor, dataset_id))
    return served


def served_for_actor(actor, dataset: Dataset, version: DatasetVersion | Version | None) -> Served:
    """:func:`served_for` for a reader found through the catalogue (``dataset_get_for_actor``):
    with the scope of the access grant they read under, if any. Every front-end that serves
    records to a person uses this (OpenDataSoft, CKAN, the portal); ``served_for`` alone is for
    the platform's own computations."""
    served = served_for(dataset, version)
    if not dataset.is_public and catalog_selectors.shared_scope(actor) is None:
        _apply_grant(served, catalog_selectors.dataset_read_grant(actor, dataset.pk))
    return served


def _apply_grant(served: Served, grant) -> None:
    """Narrow ``served`` to the grant's scope: the query sees the open columns only (a where,
    select or facet on a hidden one is refused as an unknown field), and every read goes
    through the restricted FROM item (``sources.open_version``)."""
    if grant is None:
        return
    served.grant_id = grant.pk
    if not grant.is_scoped or served.version is None:
        return
    restriction = scope.restriction_for(grant, served.columns)
    served.restriction = restriction
    served.columns = scope.restricted_columns(restriction)


def _served_queryset(datasets, slug: str):
    return (
        datasets.filter(slug=slug)
        .select_related(None)
        .order_by()
        .values_list(
            "id",
            "access_level",
            "is_published",
            *(f"lake__current_version__{name}" for name in VERSION_FIELDS),
        )[:1]
    )


# The dataset lookup of every read, compiled once per shared access scope (anonymous readers,
# data officers): building the queryset cost as much as the rest of a record lookup.
def _served_query(scope: str) -> PreparedQuery:
    def queryset(slug: str):
        return _served_queryset(catalog_selectors.dataset_list_for_scope(scope), slug)

    return PreparedQuery(queryset)


_SERVED_QUERIES = {
    scope: _served_query(scope)
    for scope in (catalog_selectors.SCOPE_PUBLIC, catalog_selectors.SCOPE_ALL)
}


def served_for(dataset: Dataset | None, version: DatasetVersion | Version | None) -> Served:
    """A Served for a dataset and a version (a DatasetVersion or a Version), for the front-ends
    that found them through the catalogue (OpenDataSoft, CKAN, DCAT, the portal)."""
    served = Served(
        dataset_id=dataset.pk if dataset else 0,
        slug=dataset.slug if dataset else "",
        is_public=dataset.is_public if dataset else True,
        version=None,
    )
    if dataset is not None:
        served.dataset = dataset  # cached_property: no query
    if version is None:
        return served
    if not isinstance(version, Version):
        version = Version(*(getattr(version, "pk" if f == "id" else f) for f in VERSION_FIELDS))
    served.version = version
    served.id_column, served.columns = _typed_columns(version)
    return served


_TYPED: dict[tuple, tuple[str, tuple[Column, ...]]] = {}
_TYPED_MAX = 1024


def _typed_columns(version: Version) -> tuple[str, tuple[Column, ...]]:
    """The record id's name and the query columns of a version (the id, then the data), typed
    once per version: a version never changes, and this runs on every read."""
    key = (version.pk, version.parquet_checksum)
    found = _TYPED.get(key)
    if found is None:
        data = columns_of(version.columns)
        ids = {c.id for c in data}
        id_column = "_id"
        while id_column in ids:
            id_column = "_record" + id_column if id_column == "_id" else "_" + id_column
        found = (id_column, (Column(id_column, id_column, "integer", "BIGINT"), *data))
        if len(_TYPED) >= _TYPED_MAX:
            _TYPED.clear()
        _TYPED[key] = found
    return found
