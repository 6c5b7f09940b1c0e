"""What both registers' services share: the edit check, the vocabulary checks, the one audited
save of an entry and its links."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils.text import slugify

from territoire.catalog.models import Dataset
from territoire.core.errors import ValidationFailed
from territoire.trust.services import audit_record, audited_delete, model_snapshot, snapshot_diff

from .. import selectors


def check_codes(values: dict[str, Any], field: str, choices: Iterable[str], label: str) -> None:
    if field not in values:
        return
    allowed = set(choices)
    codes = values[field]
    if not isinstance(codes, list) or any(c not in allowed for c in codes):
        unknown = [c for c in codes if c not in allowed] if isinstance(codes, list) else [codes]
        raise ValidationFailed(
            f"Valeur inconnue pour « {label} » : {', '.join(map(str, unknown))}.",
            f"Unknown value for '{field}': {', '.join(map(str, unknown))}.",
            where=field,
        )
    values[field] = list(dict.fromkeys(codes))  # without repeats, in the order given


def check_texts(values: dict[str, Any], field: str, label: str) -> None:
    if field not in values:
        return
    items = values[field]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationFailed(
            f"« {label} » attend une liste de textes.",
            f"'{field}' expects a list of texts.",
            where=field,
        )
    values[field] = [i.strip() for i in items if i.strip()]


def require(values: dict[str, Any], field: str, label: str) -> None:
    value = values.get(field)
    if value is None or (isinstance(value, str | list) and not value):
        raise ValidationFailed(
            f"« {label} » est obligatoire.", f"'{field}' is required.", where=field
        )


def unique_slug(model: type[models.Model], name: str) -> str:
    base = slugify(name)[:100] or "entree"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def check_datasets(actor, datasets: list[Dataset] | None) -> None:
    if datasets is None:
        return
    visible = set(
        selectors.datasets_linkable(actor)
        .filter(pk__in=[d.pk for d in datasets])
        .values_list("pk", flat=True)
    )
    missing = [d.slug for d in datasets if d.pk not in visible]
    if missing:
        raise ValidationFailed(
            f"Jeu de données introuvable : {', '.join(missing)}.",
            f"Dataset not found: {', '.join(missing)}.",
            where="datasets",
        )


def _full_clean(instance: models.Model, exclude: list[str]) -> None:
    """The model's own field checks (lengths, choices, URLs), as one bilingual refusal."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        where = None if field == "__all__" else field
        label = field
        if where is not None:
            label = str(getattr(instance._meta.get_field(field), "verbose_name", field))
        text = " ".join(str(m) for m in messages)
        raise ValidationFailed(f"{label} : {text}", f"{field}: {text}", where=where) from None


def _relations_state(instance: models.Model, names: Iterable[str]) -> dict[str, list[str]]:
    if instance.pk is None:
        return {name: [] for name in names}
    return {name: sorted(o.slug for o in getattr(instance, name).all()) for name in names}


def entry_save(
    *,
    actor,
    instance: models.Model,
    values: dict[str, Any],
    relations: dict[str, list | None],
    reason: str = "",
) -> models.Model:
    """Apply values and links to an entry (created when it has no pk), checked for the actor
    before and after (a steward cannot hand an entry to a service they do not steward), and
    write one audit event: create, or update with every field and link old → new."""
    creating = instance.pk is None
    with transaction.atomic():
        if not creating:
            instance = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
            selectors.entry_check_editable(actor, instance.service_id)  # type: ignore[attr-defined]
        before = None if creating else model_snapshot(instance)
        links_before = _relations_state(instance, relations)
        for field, value in values.items():
            setattr(instance, field, value)
        selectors.entry_check_editable(actor, instance.service_id)  # type: ignore[attr-defined]
        if not getattr(instance, "slug", ""):
            instance.slug = unique_slug(type(instance), instance.name)  # type: ignore[attr-defined]
        _full_clean(instance, exclude=list(relations))
        instance.save()
        for name, related in relations.items():
            if related is not None:
                getattr(instance, name).set(related)
        changes = snapshot_diff(before, model_snapshot(instance))
        links_after = _relations_state(instance, relations)
        for name in relations:
            if links_before[name] != links_after[name]:
                changes[name] = [links_before[name], links_after[name]]
        if creating or changes:
            audit_record(
                actor=actor,
                action="create" if creating else "update",
                instance=instance,
                changes=changes,
                reason=reason,
            )
    return instance


def entry_delete(*, actor, instance: models.Model, reason: str = "") -> None:
    with transaction.atomic():
        selectors.entry_check_editable(actor, instance.service_id)  # type: ignore[attr-defined]
        audited_delete(actor=actor, instance=instance, reason=reason)
