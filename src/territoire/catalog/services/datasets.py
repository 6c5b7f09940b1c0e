"""Writes to a dataset's description: create, update, delete, and the audited reads of non-public
data; each audited in its own transaction. Publication is in ``publication.py``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from territoire.accounts import permissions
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.services import (
    audit_record,
    audited_delete,
    model_snapshot,
    snapshot_diff,
)

from .. import hooks
from ..models import Dataset, Theme
from ..selectors import dataset_check_editable, dataset_read_grant
from ..vocabularies import AccessLevel, Frequency, Licence

EDITABLE_FIELDS = {
    "title",
    "description",
    "publisher",
    "publisher_service",
    "steward",
    "keywords",
    "licence",
    "frequency",
    "temporal_start",
    "temporal_end",
    "contact_name",
    "contact_email",
    "landing_page",
    "access_level",
}


def _check_values(values: dict[str, Any]) -> None:
    if "licence" in values and values["licence"] not in Licence.values:
        raise ValidationFailed(
            f"Licence inconnue : {values['licence']}.",
            f"Unknown licence: {values['licence']}.",
            where="licence",
        )
    if "frequency" in values and values["frequency"] not in Frequency.values:
        raise ValidationFailed(
            f"Fréquence inconnue : {values['frequency']}.",
            f"Unknown frequency: {values['frequency']}.",
            where="frequency",
        )
    if "access_level" in values and values["access_level"] not in AccessLevel.values:
        raise ValidationFailed(
            f"Niveau d'accès inconnu : {values['access_level']}.",
            f"Unknown access level: {values['access_level']}.",
            where="access_level",
        )
    start, end = values.get("temporal_start"), values.get("temporal_end")
    if start and end and start > end:
        raise ValidationFailed(
            "La période couverte commence après sa fin.",
            "The temporal coverage starts after it ends.",
            where="temporal_start",
        )


def _check_people(actor, values: dict[str, Any], dataset: Dataset) -> None:
    """A steward hands a dataset only to a service they steward; whoever edits, a newly named
    steward is a member of the producing service or a data officer (a named steward sees the
    dataset, whatever its level)."""
    service = values.get("publisher_service", dataset.publisher_service)
    if (
        "publisher_service" in values
        and not permissions.is_data_officer(actor)
        and not permissions.can_edit_dataset(actor, Dataset(publisher_service=service))
    ):
        raise PermissionRefused(
            "Vous ne pouvez confier un jeu de données qu'à un service dont vous êtes relais "
            "données.",
            "You may only hand a dataset to a service you are a steward of.",
            where="publisher_service",
        )
    steward = values.get("steward")
    if (
        steward is not None
        and steward.pk != dataset.steward_id  # a steward named earlier stays
        and not permissions.may_steward(steward, service)
    ):
        raise PermissionRefused(
            "Le relais nommé doit être membre du service producteur du jeu de données.",
            "The named steward must be a member of the dataset's producing service.",
            where="steward",
        )


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "jeu-de-donnees"
    slug, n = base, 2
    while Dataset.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def dataset_create(
    *,
    actor,
    title: str,
    publisher,
    slug: str | None = None,
    themes: list[str] | None = None,
    territories: list | None = None,
    **values: Any,
) -> Dataset:
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            f"Champ(s) inconnu(s) : {', '.join(sorted(unknown))}.",
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
        )
    dataset_check_editable(actor, Dataset(publisher_service=values.get("publisher_service")))
    _check_people(actor, values, Dataset())
    if not title.strip():
        raise ValidationFailed("Le titre est obligatoire.", "A title is required.", where="title")
    _check_values(values)
    if slug and Dataset.objects.filter(slug=slug).exists():
        raise ValidationFailed(
            f"L'identifiant « {slug} » est déjà utilisé.",
            f"Slug '{slug}' is already used.",
            where="slug",
        )
    with transaction.atomic():
        dataset = Dataset(
            title=title.strip(), slug=slug or _unique_slug(title), publisher=publisher, **values
        )
        dataset.save()
        extra = {}
        if themes:
            dataset.themes.set(_themes(themes))
            extra["themes"] = [None, sorted(themes)]
        if territories:
            dataset.territories.set(territories)
            extra["territories"] = [None, sorted(str(t.code) for t in territories)]
        audit_record(
            actor=actor,
            action="create",
            instance=dataset,
            changes={**snapshot_diff(None, model_snapshot(dataset)), **extra},
        )
    return dataset


def _themes(codes: list[str]) -> list[Theme]:
    found = list(Theme.objects.filter(code__in=codes))
    missing = set(codes) - {t.code for t in found}
    if missing:
        raise ValidationFailed(
            f"Thème(s) inconnu(s) : {', '.join(sorted(missing))}.",
            f"Unknown theme(s): {', '.join(sorted(missing))}.",
            where="themes",
        )
    return found


def dataset_update(
    *,
    actor,
    dataset: Dataset,
    themes: list[str] | None = None,
    territories: list | None = None,
    **values: Any,
) -> Dataset:
    dataset_check_editable(actor, dataset)
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            f"Champ(s) inconnu(s) : {', '.join(sorted(unknown))}.",
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
        )
    _check_values(values)
    _check_people(actor, values, dataset)
    if values.get("access_level") == AccessLevel.PERSONAL and dataset.is_published:
        raise ValidationFailed(
            "Un jeu de données publié ne peut pas passer en « données personnelles » : dépubliez-le d'abord.",
            "A published dataset cannot become 'personal': unpublish it first.",
            where="access_level",
        )
    with transaction.atomic():
        before = model_snapshot(dataset)
        for key, value in values.items():
            setattr(dataset, key, value)
        dataset.save()
        changes = snapshot_diff(before, model_snapshot(dataset))
        if themes is not None:
            old = sorted(dataset.themes.values_list("code", flat=True))
            dataset.themes.set(_themes(themes))
            if old != sorted(themes):
                changes["themes"] = [old, sorted(themes)]
        if territories is not None:
            old = sorted(dataset.territories.values_list("code", flat=True))
            dataset.territories.set(territories)
            new = sorted(t.code for t in territories)
            if old != new:
                changes["territories"] = [old, new]
        if changes:
            audit_record(actor=actor, action="update", instance=dataset, changes=changes)
    return dataset


def dataset_delete(*, actor, dataset: Dataset, reason: str = "") -> None:
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut supprimer un jeu de données.",
            "Only the data officer can delete a dataset.",
        )
    with transaction.atomic():
        hooks.deletion_effects_run(dataset)  # e.g. its Parquet versions, once the delete commits
        audited_delete(actor=actor, instance=dataset, reason=reason)


def dataset_read_record(
    *, actor, dataset: Dataset, channel: str, ip_address: str | None = None
) -> None:
    """Every read of a non-public dataset leaves an audit event (who, which, through what);
    a read under an access grant names the grant (``changes.grant``)."""
    if dataset.is_public:
        return
    grant = dataset_read_grant(actor, dataset.pk)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="read",
            instance=dataset,
            reason=channel,
            ip_address=ip_address,
            changes={"grant": [None, grant.pk]} if grant is not None else None,
        )
