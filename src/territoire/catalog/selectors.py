"""Reads of the catalogue, aware of who is asking. One access check per resource."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.core.errors import NotFound, PermissionRefused
from territoire.trust.models import AccessGrant

from .models import ColumnDescription, Dataset, PublicationReviewRule
from .vocabularies import AccessLevel

SCOPE_ALL = "all"
SCOPE_PUBLIC = "public"


def shared_scope(actor) -> str | None:
    """``SCOPE_ALL`` (data officers) or ``SCOPE_PUBLIC`` (anonymous readers) when what the actor
    may see is the same for every actor of that kind; None when it depends on who they are."""
    if permissions.is_data_officer(actor):
        return SCOPE_ALL
    if not permissions.is_authenticated(actor):
        return SCOPE_PUBLIC
    return None


def dataset_list_for_scope(scope: str) -> QuerySet[Dataset]:
    """Datasets visible in a shared scope (see :func:`shared_scope`)."""
    qs = Dataset.objects.select_related("publisher", "publisher_service")
    if scope == SCOPE_ALL:
        return qs
    if scope == SCOPE_PUBLIC:
        return qs.filter(is_published=True, access_level=AccessLevel.PUBLIC)
    raise ValueError(f"unknown scope {scope!r}")


def dataset_list_for_actor(actor) -> QuerySet[Dataset]:
    """Datasets the actor may see: the public sees published public datasets only.

    This is the one visibility rule: the portal, every API, the admin and the back-office ask it
    (a single dataset through :func:`dataset_get_for_actor`). A signed-in account also sees the
    datasets an access grant in force opens to it (to it, or to the partner organisation it acts
    for); what it reads of them is the grant's scope (:func:`dataset_read_grant`)."""
    scope = shared_scope(actor)
    if scope is not None:
        return dataset_list_for_scope(scope)
    qs = Dataset.objects.select_related("publisher", "publisher_service")
    granted = AccessGrant.objects.active().for_user(actor).values("dataset_id")
    return qs.filter(_visible_by_right(actor) | Q(id__in=granted))


def _visible_by_right(actor) -> Q:
    """What an authenticated actor who is not the data officer sees by role, without grants."""
    public = Q(is_published=True, access_level=AccessLevel.PUBLIC)
    visible = public | Q(steward_id=actor.id)
    if permissions.is_agent(actor):
        visible |= Q(access_level__in=[AccessLevel.PUBLIC, AccessLevel.INTERNAL])
        services = permissions.member_service_ids(actor)
        if services:
            visible |= Q(access_level=AccessLevel.RESTRICTED, publisher_service_id__in=services)
        stewarded = permissions.stewarded_service_ids(actor)
        if stewarded:
            visible |= Q(publisher_service_id__in=stewarded)
    return visible


def dataset_read_grant(actor, dataset_id: int) -> AccessGrant | None:
    """The access grant a read of this dataset by ``actor`` goes under, or None when the actor
    reads it by right (public data, their role or service) — or may not read it at all, which
    :func:`dataset_get_for_actor` has said already. The one place where a grant's scope is
    chosen: every read path applies what this returns (``records.selectors.served``), so an
    expired or revoked grant stops at once. Among several grants in force, an unscoped one
    wins, else the most recent."""
    if shared_scope(actor) is not None:
        return None
    if Dataset.objects.filter(_visible_by_right(actor), pk=dataset_id).exists():
        return None
    grants = list(
        AccessGrant.objects.active().for_user(actor).filter(dataset_id=dataset_id).distinct()
    )
    if not grants:
        return None
    unscoped = [g for g in grants if not g.is_scoped]
    return (unscoped or grants)[0]


def dataset_check_whole_files(actor, dataset: Dataset) -> None:
    """Whole files (the producer's original file, attached distributions, a version's Parquet)
    carry every row and column: an actor reading under a scoped grant may not download them —
    only the records, exports and APIs, which apply the scope. PermissionRefused says so."""
    if dataset.is_public:
        return
    grant = dataset_read_grant(actor, dataset.pk)
    if grant is not None and grant.is_scoped:
        raise PermissionRefused(
            "Votre autorisation d'accès à ce jeu de données est limitée à certaines colonnes ou "
            "lignes : les fichiers complets ne sont pas téléchargeables. Utilisez les exports "
            "ou l'API, qui appliquent votre périmètre.",
            "Your access to this dataset is limited to some columns or rows: whole files may "
            "not be downloaded. Use the exports or the API, which apply your scope.",
            where="dataset",
        )


def dataset_list_requestable(actor) -> QuerySet[Dataset]:
    """Non-public datasets a signed-in account may not read but may ask to: the inventory shows
    that they exist (title, service, access level), never their data. Anonymous visitors get
    nothing: for them a non-public dataset does not exist (not-found, as before)."""
    if not permissions.is_authenticated(actor) or permissions.is_data_officer(actor):
        return Dataset.objects.none()
    readable = dataset_list_for_actor(actor).values("id")
    return (
        Dataset.objects.select_related("publisher", "publisher_service")
        .exclude(is_published=True, access_level=AccessLevel.PUBLIC)
        .exclude(id__in=readable)
    )


def dataset_get_for_actor(actor, slug: str) -> Dataset:
    """The dataset, or NotFound — the same answer whether it does not exist or is not visible."""
    dataset = dataset_list_for_actor(actor).filter(slug=slug).first()
    if dataset is None:
        raise NotFound(
            f"Jeu de données « {slug} » introuvable.", f"Dataset '{slug}' not found.", where="slug"
        )
    return dataset


def dataset_list_editable(actor) -> QuerySet[Dataset]:
    """Datasets the actor may change and load data into: every one for a data officer, their
    stewarded services' for a steward, none otherwise (the list form of
    ``accounts.permissions.can_edit_dataset``; a test holds the two together)."""
    qs = Dataset.objects.select_related("publisher", "publisher_service")
    if permissions.is_data_officer(actor):
        return qs
    if not permissions.is_steward(actor):
        return qs.none()
    return qs.filter(publisher_service_id__in=permissions.stewarded_service_ids(actor))


def dataset_check_editable(actor, dataset: Dataset) -> None:
    """The one edit check of a dataset, whatever the entry point (admin, back-office, API, CLI,
    services): PermissionRefused with one bilingual message when the actor may not change it."""
    if permissions.can_edit_dataset(actor, dataset):
        return
    if dataset.pk is None:
        raise PermissionRefused(
            "Vous ne pouvez pas créer ce jeu de données : il faut être administrateur des données "
            "ou relais données du service producteur choisi.",
            "You may not create this dataset: you must be the data officer or a steward of the "
            "chosen producing service.",
            where="publisher_service",
        )
    raise PermissionRefused(
        f"Vous ne pouvez pas modifier le jeu de données « {dataset.slug} » ni y déposer de "
        "données : il faut être administrateur des données ou relais données de son service "
        "producteur.",
        f"You may not change dataset '{dataset.slug}' or load data into it: you must be the "
        "data officer or a steward of its producing service.",
        where="dataset",
    )


def dataset_get_editable(actor, slug: str) -> Dataset:
    """The dataset ``slug`` if the actor may change it: NotFound when they may not see it (as for
    a dataset that does not exist), PermissionRefused when they may see it but not change it."""
    dataset = dataset_get_for_actor(actor, slug)
    dataset_check_editable(actor, dataset)
    return dataset


def dataset_list_managed(actor) -> QuerySet[Dataset]:
    """What the back-office (the admin) lists: every dataset for a data officer; for anyone else,
    among the datasets they may see, those of their own services and those they are the named
    steward of — never another service's dataset, whatever its access level."""
    if permissions.is_data_officer(actor):
        return dataset_list_for_scope(SCOPE_ALL)
    if not permissions.is_agent(actor):
        return Dataset.objects.none()
    own = Q(publisher_service_id__in=permissions.member_service_ids(actor)) | Q(steward_id=actor.id)
    return dataset_list_for_actor(actor).filter(own)


def publication_review_rule_installation() -> bool:
    """The installation's « la publication demande la relecture de l'administrateur des
    données »: its row if the data officer set it, else TERRITOIRE_PUBLICATION_REVIEW."""
    rule = PublicationReviewRule.objects.filter(service__isnull=True).first()
    if rule is not None and rule.review_required is not None:
        return rule.review_required
    return bool(settings.TERRITOIRE_PUBLICATION_REVIEW)


def publication_review_required(dataset: Dataset) -> bool:
    """Does publishing this dataset need the data officer's review? The service's rule when it
    has one, else the installation's."""
    if dataset.publisher_service_id is not None:
        rule = PublicationReviewRule.objects.filter(service_id=dataset.publisher_service_id).first()
        if rule is not None and rule.review_required is not None:
            return rule.review_required
    return publication_review_rule_installation()


def column_descriptions_get(dataset_id: int) -> dict[str, ColumnDescription]:
    """The documentation of a dataset's columns, by column identifier (every version's)."""
    return {d.column: d for d in ColumnDescription.objects.filter(dataset_id=dataset_id)}
