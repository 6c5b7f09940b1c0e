"""Writes to the catalogue: create, update, publish, unpublish, delete, personal-data decisions;
each audited in its own transaction. Every change of ``is_published`` goes through
``dataset_publish`` / ``dataset_unpublish`` / ``personal_data_decision_record`` and their gates."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import slugify

from territoire.accounts import permissions
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.models import AuditAction, PersonalDataDecisionChoice
from territoire.trust.selectors import personal_data_decision_latest
from territoire.trust.services import (
    audit_record,
    audited_delete,
    audited_save,
    model_snapshot,
    personal_data_decision_write,
    snapshot_diff,
)

from . import hooks
from .models import Dataset, Distribution, Theme
from .selectors import dataset_check_editable
from .vocabularies import AccessLevel, Frequency, Licence

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
    """A steward hands a dataset only to a service they steward, and names as its steward only a
    member of its producing service (a named steward sees the dataset, whatever its level)."""
    if permissions.is_data_officer(actor):
        return
    service = values.get("publisher_service", dataset.publisher_service)
    if "publisher_service" in values and not permissions.can_edit_dataset(
        actor, Dataset(publisher_service=service)
    ):
        raise PermissionRefused(
            "Vous ne pouvez confier un jeu de données qu'à un service dont vous êtes relais "
            "données.",
            "You may only hand a dataset to a service you are a steward of.",
            where="publisher_service",
        )
    steward = values.get("steward")
    if steward is not None and (
        service is None or service.pk not in permissions.member_service_ids(steward)
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


def dataset_publish(*, actor, dataset: Dataset, reason: str = "") -> Dataset:
    """Make a dataset visible at its access level: the one way in, whatever the entry point
    (back-office, admin action, ingestion with --publish, demo). A personal dataset is never
    published as such; flagged personal data needs a data officer's « publier tel quel » first."""
    dataset_check_editable(actor, dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.access_level == AccessLevel.PERSONAL:
            raise ValidationFailed(
                "Ce jeu de données contient des données personnelles : il ne peut pas être publié "
                "tel quel. Anonymisez-le ou changez son niveau d'accès après décision de "
                "l'administrateur des données.",
                "This dataset holds personal data: it cannot be published as is. Anonymise it or "
                "change its access level after a data officer's decision.",
                where="access_level",
            )
        if not locked.is_published:
            dataset_personal_data_check(dataset=locked)
            _set_published(actor, locked, True, reason)
    dataset.is_published, dataset.published_at = locked.is_published, locked.published_at
    return dataset


def dataset_unpublish(*, actor, dataset: Dataset, reason: str = "") -> Dataset:
    dataset_check_editable(actor, dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.is_published:
            _set_published(actor, locked, False, reason)
    dataset.is_published = locked.is_published
    return dataset


def _set_published(actor, dataset: Dataset, published: bool, reason: str) -> None:
    """The one write of ``is_published``, with its audit event (« publication » or
    « dépublication »); runs inside the caller's transaction, the dataset row locked."""
    fields = ["is_published", "modified_at"]
    dataset.is_published = published
    if published:
        dataset.published_at = timezone.now()
        fields.append("published_at")
    dataset.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.PUBLISH if published else AuditAction.UNPUBLISH,
        instance=dataset,
        changes={"is_published": [not published, published]},
        reason=reason,
    )


def _flagged_columns(flags: list[dict]) -> str:
    return ", ".join(sorted({str(f.get("label") or f.get("column") or "?") for f in flags}))


def dataset_personal_data_check(*, dataset: Dataset, flags: list[dict] | None = None) -> None:
    """The personal-data publication rule: a published dataset never serves columns flagged as
    personal data unless the data officer's decision in force is « publier tel quel ».

    Without ``flags``: may the dataset be published, with the flags of what it serves (from the
    sources registered in catalog.hooks)? With ``flags``: may a published dataset start serving a
    new version flagged so (the lake's ingestion asks before swapping)?
    """
    new_version = flags is not None
    if flags is None:
        flags = hooks.personal_data_flags(dataset)
    elif not dataset.is_published:
        return
    if not flags:
        return
    decision = personal_data_decision_latest(dataset)
    if decision is not None and decision.decision == PersonalDataDecisionChoice.PUBLISH_AS_IS:
        return
    columns = _flagged_columns(flags)
    if new_version:
        raise ValidationFailed(
            f"La nouvelle version contient des données personnelles (colonnes : {columns}) alors "
            "que le jeu de données est publié. La version précédente reste en service : un "
            "administrateur des données doit enregistrer une décision (publier tel quel ou garder "
            "privé), ou dépubliez le jeu avant de recharger.",
            f"The new version holds personal data (columns: {columns}) while the dataset is "
            "published. The previous version keeps serving: a data officer must record a decision "
            "(publish as is or keep private), or unpublish the dataset before loading.",
            where="personal_data",
        )
    raise ValidationFailed(
        f"Publication impossible : les colonnes {columns} semblent contenir des données "
        "personnelles. Un administrateur des données doit d'abord enregistrer une décision "
        "(publier tel quel, motif à l'appui).",
        f"Cannot publish: columns {columns} look like personal data. A data officer must first "
        "record a decision (publish as is, with a reason).",
        where="personal_data",
    )


def personal_data_decision_record(
    *, actor, dataset: Dataset, decision: str, reason: str, flags: list[dict] | None = None
):
    """Record the data officer's decision on a dataset flagged as holding personal data, and make
    it take effect: « garder privé » unpublishes a published dataset, in the same transaction
    (audited « dépublication » beside the « décision »). ``flags`` default to those of what the
    dataset serves. Only a data officer decides; the reason is required."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut décider de la publication de données "
            "personnelles.",
            "Only the data officer may decide whether personal data is published.",
            where="personal_data",
        )
    if flags is None:
        flags = hooks.personal_data_flags(dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        record = personal_data_decision_write(
            actor=actor, dataset=locked, decision=decision, reason=reason, flags=flags
        )
        if decision == PersonalDataDecisionChoice.KEEP_PRIVATE and locked.is_published:
            _set_published(actor, locked, False, f"décision : garder privé — {record.reason}")
    dataset.is_published = locked.is_published
    return record


def dataset_delete(*, actor, dataset: Dataset, reason: str = "") -> None:
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut supprimer un jeu de données.",
            "Only the data officer can delete a dataset.",
        )
    with transaction.atomic():
        hooks.deletion_effects_run(dataset)  # e.g. its Parquet versions, once the delete commits
        audited_delete(actor=actor, instance=dataset, reason=reason)


DISTRIBUTION_FIELDS = {"dataset", "title", "format", "media_type", "download_url", "file"}


def _distribution_file(distribution: Distribution, upload: File, name: str) -> None:
    """Store an uploaded file as the distribution's, with its size and SHA-256."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    distribution.byte_size = upload.size
    distribution.checksum = digest.hexdigest()
    distribution.file.save(name, upload, save=False)


def _file_remove_on_commit(stored: FieldFile) -> None:
    """A replaced or deleted distribution's stored file goes once the change commits."""
    storage, name = stored.storage, stored.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def distribution_create(
    *,
    actor,
    dataset: Dataset,
    title: str,
    format: str,
    download_url: str = "",
    content: bytes | None = None,
    file: File | None = None,
    filename: str | None = None,
    media_type: str = "",
) -> Distribution:
    """Add a way to get ``dataset``: a URL, or a file (``content`` bytes or an uploaded ``file``)."""
    dataset_check_editable(actor, dataset)
    if content is not None:
        file = ContentFile(content)
    if not download_url and file is None:
        raise ValidationFailed(
            "Indiquez une URL ou un fichier.", "Give a URL or a file.", where="download_url"
        )
    distribution = Distribution(
        dataset=dataset,
        title=title,
        format=format.upper(),
        media_type=media_type,
        download_url=download_url,
    )
    with transaction.atomic():
        if file is not None:
            name = filename or getattr(file, "name", None) or f"{dataset.slug}.{format.lower()}"
            _distribution_file(distribution, file, name)
        audited_save(actor=actor, instance=distribution)
    return distribution


def distribution_update(*, actor, distribution: Distribution, **values: Any) -> Distribution:
    """Change a distribution: its dataset (the actor must be able to change both), title,
    format, media type, URL or file (``file``: an uploaded file; its size and SHA-256 follow).
    Rights are checked against the stored row, whatever the instance passed in holds."""
    unknown = set(values) - DISTRIBUTION_FIELDS
    if unknown:
        raise ValidationFailed(
            f"Champ(s) inconnu(s) : {', '.join(sorted(unknown))}.",
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
        )
    upload = values.pop("file", None)
    with transaction.atomic():
        current = (
            Distribution.objects.select_for_update()
            .select_related("dataset")
            .get(pk=distribution.pk)
        )
        dataset_check_editable(actor, current.dataset)
        if "dataset" in values and values["dataset"].pk != current.dataset_id:
            dataset_check_editable(actor, values["dataset"])
        for key, value in values.items():
            setattr(current, key, value.upper() if key == "format" else value)
        if upload is not None:
            _file_remove_on_commit(current.file)
            _distribution_file(current, upload, upload.name)
        if not current.download_url and not current.file:
            raise ValidationFailed(
                "Indiquez une URL ou un fichier.", "Give a URL or a file.", where="download_url"
            )
        audited_save(actor=actor, instance=current)
    return current


def distribution_delete(*, actor, distribution: Distribution, reason: str = "") -> None:
    """Remove a distribution; its stored file goes once the deletion commits."""
    with transaction.atomic():
        current = Distribution.objects.select_related("dataset").get(pk=distribution.pk)
        dataset_check_editable(actor, current.dataset)
        _file_remove_on_commit(current.file)
        audited_delete(actor=actor, instance=current, reason=reason)


def dataset_read_record(
    *, actor, dataset: Dataset, channel: str, ip_address: str | None = None
) -> None:
    """Every read of a non-public dataset leaves an audit event (who, which, through what)."""
    if dataset.is_public:
        return
    with transaction.atomic():
        audit_record(
            actor=actor, action="read", instance=dataset, reason=channel, ip_address=ip_address
        )
