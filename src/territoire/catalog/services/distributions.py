"""Distributions of a dataset: a URL or a stored file with its size and SHA-256; each change audited."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models.fields.files import FieldFile

from territoire.core.errors import ValidationFailed
from territoire.trust.services import audited_delete, audited_save

from ..models import Dataset, Distribution
from ..selectors import dataset_check_editable

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
