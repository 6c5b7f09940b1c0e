"""Writes to an indicator: create, update (a changed definition is a new definition version),
targets and thresholds, the data officer's publication decision. Each audited in its transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset, Theme
from territoire.catalog.vocabularies import AccessLevel, Frequency
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.lake import services as lake_services
from territoire.trust.models import AuditAction
from territoire.trust.services import audit_record, audited_delete, model_snapshot, snapshot_diff

from ..definition import Definition, definition_parse
from ..models import Indicator, IndicatorDefinition, IndicatorTarget
from ..selectors import definition_preview, indicator_check_editable
from ..vocabularies import Direction, Granularity

EDITABLE_FIELDS = {
    "description", "method", "unit", "direction", "steward", "frequency", "granularity",
    "access_level", "baseline_date", "baseline_value", "alert_below", "alert_above",
}  # fmt: skip
SERIES_TYPES = {
    "periode": "text", "code_territoire": "text", "territoire": "text", "valeur": "decimal",
    "valeur_brute": "decimal", "population": "integer", "version_definition": "integer",
    "source": "text", "source_version": "integer", "source_version_id": "integer",
    "source_jointe": "text",
}  # fmt: skip
INDICATOR_LEVELS = (AccessLevel.PUBLIC, AccessLevel.INTERNAL, AccessLevel.RESTRICTED)


def _check_values(values: dict[str, Any], service, current_steward_id: int | None = None) -> None:
    for name, choices, fr, en in (
        ("direction", Direction.values, "Sens inconnu", "Unknown direction"),
        ("frequency", Frequency.values, "Périodicité inconnue", "Unknown periodicity"),
        ("granularity", Granularity.values, "Maille inconnue", "Unknown granularity"),
        ("access_level", INDICATOR_LEVELS, "Niveau d'accès non permis", "Access level not allowed"),
    ):
        if name in values and values[name] not in choices:
            raise ValidationFailed(f"{fr} : {values[name]}.", f"{en}: {values[name]}.", where=name)
    steward = values.get("steward")
    if (
        steward is not None
        and steward.pk != current_steward_id  # a steward named earlier stays
        and not permissions.may_steward(steward, service)
    ):
        raise ValidationFailed(
            "Le relais nommé doit être membre du service responsable de l'indicateur.",
            "The named steward must be a member of the indicator's owner service.",
            where="steward",
        )


def definition_validate(*, actor, definition: Any) -> tuple[Definition, bool]:
    """The definition parsed and run once against its source as ``actor`` sees it (refuses a
    missing column, a wrong type, too many groups): (definition, the source is public).
    ValidationFailed / NotFound name the field, in French and English."""
    parsed, source_public, _points = definition_preview(actor, definition)
    return parsed, source_public


def _level(requested: str, source_public: bool) -> str:
    """An indicator built on a non-public dataset is internal (at least): public only after
    the data officer's decision (``indicator_publish``)."""
    if requested == AccessLevel.PUBLIC and not source_public:
        return AccessLevel.INTERNAL
    return requested


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "indicateur"
    slug, n = base, 2
    while Indicator.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _themes(codes: list[str]) -> list[Theme]:
    found = list(Theme.objects.filter(code__in=codes))
    missing = set(codes) - {t.code for t in found}
    if missing:
        listed = ", ".join(sorted(missing))
        raise ValidationFailed(
            f"Thème(s) inconnu(s) : {listed}.", f"Unknown theme(s): {listed}.", where="themes"
        )
    return found


def indicator_create(
    *,
    actor,
    title: str,
    publisher_service,
    definition: Any,
    slug: str | None = None,
    themes: list[str] | None = None,
    **values: Any,
) -> Indicator:
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Champ(s) inconnu(s) : {listed}.", f"Unknown field(s): {listed}.")
    if publisher_service is None:
        raise ValidationFailed("Le service responsable est obligatoire.", "An owner service is required.",
                               where="publisher_service")  # fmt: skip
    indicator_check_editable(actor, Indicator(publisher_service=publisher_service))
    if not title.strip():
        raise ValidationFailed("Le titre est obligatoire.", "A title is required.", where="title")
    if slug and Indicator.objects.filter(slug=slug).exists():
        raise ValidationFailed(f"L'identifiant « {slug} » est déjà utilisé.", f"Slug '{slug}' is already used.",
                               where="slug")  # fmt: skip
    _check_values(values, publisher_service)
    parsed, source_public = definition_validate(actor=actor, definition=definition)
    theme_list = _themes(themes) if themes else []
    values["access_level"] = _level(values.get("access_level", AccessLevel.INTERNAL), source_public)
    with transaction.atomic():
        indicator = Indicator(
            title=title.strip(),
            slug=slug or _unique_slug(title),
            publisher=publisher_service.organization,
            publisher_service=publisher_service,
            definition=parsed.as_json(),
            definition_version=1,
            **values,
        )
        indicator.save()
        indicator.themes.set(theme_list)
        IndicatorDefinition.objects.create(
            indicator=indicator, number=1, definition=indicator.definition,
            created_by=actor if permissions.is_authenticated(actor) else None,
        )  # fmt: skip
        indicator.series = catalog_services.dataset_create(
            actor=actor,
            title=f"Indicateur : {indicator.title}"[:300],
            slug=f"indicateur-{indicator.slug}"[:120],
            publisher=indicator.publisher,
            publisher_service=publisher_service,
            access_level=indicator.access_level,
            frequency=indicator.frequency,
            description=f"Série calculée de l'indicateur « {indicator.title} ». {indicator.method}".strip(),
            themes=[t.code for t in theme_list],
        )
        indicator.save(update_fields=["series"])
        # The series' columns keep their types whatever the values: 2024 is a period, not a number.
        lake_services.dataset_set_type_overrides(
            actor=actor, dataset=indicator.series, overrides=SERIES_TYPES,
            reason="colonnes de la série d'un indicateur",
        )  # fmt: skip
        audit_record(
            actor=actor,
            action="create",
            instance=indicator,
            changes={
                **snapshot_diff(None, model_snapshot(indicator)),
                "themes": [None, sorted(themes or [])],
            },
        )
    return indicator


def indicator_update(
    *,
    actor,
    indicator: Indicator,
    title: str | None = None,
    definition: Any = None,
    themes: list[str] | None = None,
    **values: Any,
) -> Indicator:
    """Change an indicator; a changed definition is validated, then kept as a new definition
    version (the next computation writes a new series version; the old ones stay readable)."""
    indicator_check_editable(actor, indicator)
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Champ(s) inconnu(s) : {listed}.", f"Unknown field(s): {listed}.")
    _check_values(values, indicator.publisher_service, indicator.steward_id)
    if title is not None:
        if not title.strip():
            raise ValidationFailed(
                "Le titre est obligatoire.", "A title is required.", where="title"
            )
        values["title"] = title.strip()
    parsed = None
    source_public = True
    if definition is not None:
        parsed, source_public = definition_validate(actor=actor, definition=definition)
    else:
        source_public = _source_is_public(indicator)
    changed = parsed is not None and parsed.as_json() != indicator.definition
    requested = values.get("access_level", indicator.access_level)
    if indicator.is_published and (
        requested != AccessLevel.PUBLIC or (changed and not source_public)
    ):
        # Lowered, or built anew on a non-public dataset: no longer published; publishing it
        # again is a new decision of the data officer.
        values["is_published"] = False
        values["access_level"] = _level(requested, source_public and not changed)
    elif not indicator.is_published and ("access_level" in values or changed):
        values["access_level"] = _level(requested, source_public)
    theme_list = _themes(themes) if themes is not None else None
    with transaction.atomic():
        before = model_snapshot(indicator)
        for key, value in values.items():
            setattr(indicator, key, value)
        if parsed is not None and parsed.as_json() != indicator.definition:
            indicator.definition = parsed.as_json()
            indicator.definition_version += 1
            IndicatorDefinition.objects.create(
                indicator=indicator, number=indicator.definition_version,
                definition=indicator.definition,
                created_by=actor if permissions.is_authenticated(actor) else None,
            )  # fmt: skip
        indicator.save()
        _series_follow(actor, indicator)
        changes = snapshot_diff(before, model_snapshot(indicator))
        if theme_list is not None:
            old = sorted(indicator.themes.values_list("code", flat=True))
            indicator.themes.set(theme_list)
            if old != sorted(themes or []):
                changes["themes"] = [old, sorted(themes or [])]
        if changes:
            audit_record(actor=actor, action="update", instance=indicator, changes=changes)
    return indicator


def _source_is_public(indicator: Indicator) -> bool:
    slugs = definition_parse(indicator.definition).datasets
    return Dataset.objects.filter(
        slug__in=slugs, is_published=True, access_level=AccessLevel.PUBLIC
    ).count() == len(set(slugs))


def _series_follow(actor, indicator: Indicator) -> None:
    """The series dataset has the indicator's access level, and is published only with it."""
    series = indicator.series
    if series is None:
        return
    if series.is_published and not indicator.is_published:
        catalog_services.dataset_unpublish(
            actor=actor, dataset=series, reason="indicateur dépublié"
        )
    if series.access_level != indicator.access_level:
        catalog_services.dataset_update(
            actor=actor, dataset=series, access_level=indicator.access_level
        )


def indicator_targets_set(
    *,
    actor,
    indicator: Indicator,
    targets: list[tuple[dt.date, float]],
) -> Indicator:
    """Replace the targets (date, value); one per date."""
    indicator_check_editable(actor, indicator)
    dates = [d for d, _ in targets]
    if len(set(dates)) != len(dates):
        raise ValidationFailed("Deux cibles ont la même échéance.", "Two targets have the same date.",
                               where="targets")  # fmt: skip
    with transaction.atomic():
        old = [[t.date.isoformat(), t.value] for t in indicator.targets.order_by("date")]
        indicator.targets.all().delete()
        IndicatorTarget.objects.bulk_create(
            [
                IndicatorTarget(indicator=indicator, date=d, value=float(v))
                for d, v in sorted(targets)
            ]
        )
        new = [[d.isoformat(), float(v)] for d, v in sorted(targets)]
        if old != new:
            audit_record(
                actor=actor, action="update", instance=indicator, changes={"targets": [old, new]}
            )
    return indicator


def _officer_only(actor) -> None:
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données décide de publier un indicateur.",
            "Only the data officer decides to publish an indicator.",
            where="publication",
        )


def indicator_publish(*, actor, indicator: Indicator, reason: str) -> Indicator:
    """The data officer's recorded decision to make an indicator public (required, with its
    reason, for an indicator built on a non-public dataset): the indicator and its series
    dataset become public and published, audited « publication »."""
    _officer_only(actor)
    if not reason.strip():
        raise ValidationFailed("Donnez le motif de la décision.", "Give the reason for the decision.",
                               where="reason")  # fmt: skip
    with transaction.atomic():
        before = model_snapshot(indicator)
        indicator.access_level = AccessLevel.PUBLIC
        indicator.is_published = True
        indicator.published_at = timezone.now()
        indicator.publication_reason = reason.strip()
        indicator.save()
        if indicator.series is not None:
            series = indicator.series
            if series.access_level != AccessLevel.PUBLIC:
                catalog_services.dataset_update(
                    actor=actor, dataset=series, access_level=AccessLevel.PUBLIC
                )
            if not series.is_published:
                catalog_services.dataset_publish(actor=actor, dataset=series, reason=reason.strip())
        audit_record(
            actor=actor,
            action=AuditAction.PUBLISH,
            instance=indicator,
            changes=snapshot_diff(before, model_snapshot(indicator)),
            reason=reason.strip()[:500],
        )
    return indicator


def indicator_unpublish(*, actor, indicator: Indicator, reason: str = "") -> Indicator:
    _officer_only(actor)
    with transaction.atomic():
        before = model_snapshot(indicator)
        indicator.is_published = False
        indicator.save()
        if indicator.series is not None and indicator.series.is_published:
            catalog_services.dataset_unpublish(actor=actor, dataset=indicator.series, reason=reason)
        audit_record(
            actor=actor,
            action=AuditAction.UNPUBLISH,
            instance=indicator,
            changes=snapshot_diff(before, model_snapshot(indicator)),
            reason=reason[:500],
        )
    return indicator


def indicator_delete(*, actor, indicator: Indicator, reason: str = "") -> None:
    """Delete an indicator with its definitions, runs, targets and its series dataset (the data
    officer only, as for every dataset: its series may be reused). Refused, with the names,
    while a dashboard or an evaluation uses it: they are deleted or changed first, so that
    nothing disappears from a page as a side effect."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données supprime un indicateur (et sa série).",
            "Only the data officer deletes an indicator (and its series).",
            where="indicator",
        )
    boards = sorted({t.dashboard.title for t in indicator.tiles.select_related("dashboard")})
    evaluations = sorted(indicator.evaluations.values_list("title", flat=True))
    if boards or evaluations:
        used_fr = "; ".join(
            [
                *(f"tableau de bord « {t} »" for t in boards),
                *(f"évaluation « {t} »" for t in evaluations),
            ]
        )
        used_en = "; ".join(
            [*(f"dashboard '{t}'" for t in boards), *(f"evaluation '{t}'" for t in evaluations)]
        )
        raise ValidationFailed(
            f"L'indicateur est utilisé : {used_fr}. Retirez-le de ces tableaux de bord et "
            "supprimez ces évaluations d'abord.",
            f"The indicator is in use: {used_en}. Remove it from these dashboards and delete "
            "these evaluations first.",
            where="indicator",
        )
    with transaction.atomic():
        series = indicator.series
        audited_delete(actor=actor, instance=indicator, reason=reason[:500])
        if series is not None:
            catalog_services.dataset_delete(
                actor=actor,
                dataset=series,
                reason=f"série de l'indicateur supprimé {indicator.slug}",
            )
