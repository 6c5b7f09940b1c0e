"""Writes to evaluations (measured effects) and dashboards, each audited in its transaction.
Who may: the indicators' edit rule (data officer, or a steward of the owner service)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from territoire.accounts import permissions
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.territories.models import Territory
from territoire.trust.models import AuditAction
from territoire.trust.services import audit_record, audited_delete, model_snapshot, snapshot_diff

from .. import hooks
from ..models import Dashboard, DashboardTile, Evaluation, Indicator
from ..selectors import indicator_check_editable, indicator_list_for_actor
from ..vocabularies import BlockKind
from .indicators import indicator_publish

DASHBOARD_LEVELS = (AccessLevel.PUBLIC, AccessLevel.INTERNAL, AccessLevel.RESTRICTED)


def _unique_slug(model, title: str, fallback: str) -> str:
    base = slugify(title)[:100] or fallback
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _codes(value: Any, where: str, *, required: bool) -> list[str]:
    if isinstance(value, str):
        value = [c for c in value.replace(";", ",").split(",")]
    if not isinstance(value, list | tuple):
        raise ValidationFailed("Une liste de codes de territoires est attendue.",
                               "A list of territory codes is expected.", where=where)  # fmt: skip
    codes = sorted({str(c).strip() for c in value if str(c).strip()})
    if required and not codes:
        raise ValidationFailed("Nommez au moins un territoire concerné.",
                               "Name at least one treated territory.", where=where)  # fmt: skip
    known = set(Territory.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in known]
    if missing:
        listed = ", ".join(missing)
        raise ValidationFailed(f"Territoire(s) inconnu(s) : {listed}.", f"Unknown territory(ies): {listed}.",
                               where=where)  # fmt: skip
    return codes


def _evaluation_values(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "title" in values:
        if not str(values["title"] or "").strip():
            raise ValidationFailed(
                "Le titre est obligatoire.", "A title is required.", where="title"
            )
        clean["title"] = str(values["title"]).strip()
    if "description" in values:
        clean["description"] = str(values["description"] or "")
    if "intervention_date" in values:
        if not isinstance(values["intervention_date"], dt.date):
            raise ValidationFailed("La date de l'intervention est obligatoire (AAAA-MM-JJ).",
                                   "The intervention date is required (YYYY-MM-DD).",
                                   where="intervention_date")  # fmt: skip
        clean["intervention_date"] = values["intervention_date"]
    if "treated" in values:
        clean["treated"] = _codes(values["treated"], "treated", required=True)
    if "comparison" in values:
        clean["comparison"] = _codes(values["comparison"], "comparison", required=False)
    if set(clean.get("treated", [])) & set(clean.get("comparison", [])):
        raise ValidationFailed("Un territoire ne peut pas être à la fois concerné et de comparaison.",
                               "A territory cannot be both treated and a comparison.",
                               where="comparison")  # fmt: skip
    return clean


def evaluation_create(
    *, actor, indicator: Indicator, title: str, intervention_date: dt.date | None,
    treated: Any, comparison: Any = (), description: str = "", slug: str | None = None,
) -> Evaluation:  # fmt: skip
    indicator_check_editable(actor, indicator)
    clean = _evaluation_values({
        "title": title, "description": description, "intervention_date": intervention_date,
        "treated": treated, "comparison": list(comparison),
    })  # fmt: skip
    if slug and Evaluation.objects.filter(slug=slug).exists():
        raise ValidationFailed(f"L'identifiant « {slug} » est déjà utilisé.", f"Slug '{slug}' is already used.",
                               where="slug")  # fmt: skip
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            indicator=indicator,
            slug=slug or _unique_slug(Evaluation, clean["title"], "evaluation"),
            created_by=actor if permissions.is_authenticated(actor) else None,
            **clean,
        )
        audit_record(actor=actor, action="create", instance=evaluation,
                     changes=snapshot_diff(None, model_snapshot(evaluation)))  # fmt: skip
    return evaluation


def evaluation_update(*, actor, evaluation: Evaluation, **values: Any) -> Evaluation:
    indicator_check_editable(actor, evaluation.indicator)
    unknown = set(values) - {"title", "description", "intervention_date", "treated", "comparison"}
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Champ(s) inconnu(s) : {listed}.", f"Unknown field(s): {listed}.")
    clean = _evaluation_values(values)
    treated = set(clean.get("treated", evaluation.treated))
    if treated & set(clean.get("comparison", evaluation.comparison)):
        raise ValidationFailed("Un territoire ne peut pas être à la fois concerné et de comparaison.",
                               "A territory cannot be both treated and a comparison.",
                               where="comparison")  # fmt: skip
    with transaction.atomic():
        before = model_snapshot(evaluation)
        for key, value in clean.items():
            setattr(evaluation, key, value)
        evaluation.save()
        changes = snapshot_diff(before, model_snapshot(evaluation))
        if changes:
            audit_record(actor=actor, action="update", instance=evaluation, changes=changes)
            hooks.evaluation_changed_notify_on_commit(evaluation, sorted(changes))
    return evaluation


def evaluation_delete(*, actor, evaluation: Evaluation, reason: str = "") -> None:
    """Delete an evaluation (the indicator's editors), audited with what it was."""
    indicator_check_editable(actor, evaluation.indicator)
    audited_delete(actor=actor, instance=evaluation, reason=reason[:500])


# ------------------------------------------------------------------ dashboards


def dashboard_check_editable(actor, service) -> None:
    if permissions.is_data_officer(actor) or (
        permissions.is_steward(actor) and service.pk in permissions.stewarded_service_ids(actor)
    ):
        return
    raise PermissionRefused(
        "Vous ne pouvez pas créer ni modifier ce tableau de bord : il faut être administrateur "
        "des données ou relais données de son service responsable.",
        "You may not create or change this dashboard: you must be the data officer or a "
        "steward of its owner service.",
        where="publisher_service",
    )


def _blocks(indicators: list[str] | None, blocks: list[dict] | None) -> list[dict] | None:
    """The blocks asked for: ``blocks`` ({"kind", "indicator", "text"}), or one KPI tile per
    slug of ``indicators``; None when neither is given."""
    if blocks is None and indicators is None:
        return None
    if blocks is None:
        return [{"kind": BlockKind.KPI, "indicator": slug, "text": ""} for slug in indicators or []]
    found = []
    for i, block in enumerate(blocks):
        kind = block.get("kind") or BlockKind.KPI
        if kind not in BlockKind.values:
            raise ValidationFailed(f"Bloc {i + 1} : type inconnu « {kind} ».",
                                   f"Block {i + 1}: unknown kind '{kind}'.", where="blocks")  # fmt: skip
        slug, text = block.get("indicator") or None, str(block.get("text") or "")
        if kind == BlockKind.TEXT and (slug or not text.strip()):
            raise ValidationFailed(f"Bloc {i + 1} : un bloc de texte a un texte et pas d'indicateur.",
                                   f"Block {i + 1}: a text block has a text and no indicator.",
                                   where="blocks")  # fmt: skip
        if kind != BlockKind.TEXT and not slug:
            raise ValidationFailed(f"Bloc {i + 1} : nommez son indicateur.",
                                   f"Block {i + 1}: name its indicator.", where="blocks")  # fmt: skip
        found.append({"kind": kind, "indicator": slug, "text": text})
    return found


def _indicators(actor, blocks: list[dict], level: str) -> dict[str, Indicator]:
    slugs = [b["indicator"] for b in blocks if b["indicator"]]
    found = {i.slug: i for i in indicator_list_for_actor(actor).filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        listed = ", ".join(missing)
        raise ValidationFailed(f"Indicateur(s) introuvable(s) : {listed}.", f"Indicator(s) not found: {listed}.",
                               where="indicators")  # fmt: skip
    pairs = [(b["indicator"], b["kind"]) for b in blocks if b["indicator"]]
    if len(set(pairs)) != len(pairs):
        raise ValidationFailed("Un indicateur figure deux fois sous la même forme.",
                               "An indicator is listed twice in the same form.",
                               where="indicators")  # fmt: skip
    if level == AccessLevel.PUBLIC:
        private = sorted({s for s in slugs if not found[s].is_public})
        if private:
            listed = ", ".join(private)
            raise ValidationFailed(
                f"Un tableau de bord public ne montre que des indicateurs publics ; ceux-ci ne le "
                f"sont pas : {listed}. Le rendre public avec eux est une décision motivée de "
                f"l'administrateur des données (« Rendre public »).",
                f"A public dashboard shows public indicators only; these are not: {listed}. "
                f"Making it public with them is a recorded decision of the data officer "
                f"('Make public').",
                where="indicators",
            )
    return found


def _tiles_set(dashboard: Dashboard, blocks: list[dict], indicators: dict[str, Indicator]) -> None:
    dashboard.tiles.all().delete()
    DashboardTile.objects.bulk_create([
        DashboardTile(dashboard=dashboard, indicator=indicators.get(b["indicator"] or ""),
                      kind=b["kind"], text=b["text"], position=n)
        for n, b in enumerate(blocks)
    ])  # fmt: skip


def _blocks_of(dashboard: Dashboard) -> list[dict]:
    return [
        {"kind": t.kind, "indicator": t.indicator.slug if t.indicator else None, "text": t.text}
        for t in dashboard.tiles.select_related("indicator").order_by("position", "id")
    ]


def dashboard_create(
    *, actor, title: str, publisher_service, indicators: list[str] | None = None,
    blocks: list[dict] | None = None, description: str = "",
    access_level: str = AccessLevel.INTERNAL, slug: str | None = None,
) -> Dashboard:  # fmt: skip
    """A dashboard with its blocks: ``blocks`` ({"kind": kpi|chart|map|table|text,
    "indicator": slug, "text": Markdown}), or a KPI tile per slug of ``indicators``, in order."""
    if publisher_service is None:
        raise ValidationFailed("Le service responsable est obligatoire.", "An owner service is required.",
                               where="publisher_service")  # fmt: skip
    dashboard_check_editable(actor, publisher_service)
    if not title.strip():
        raise ValidationFailed("Le titre est obligatoire.", "A title is required.", where="title")
    if access_level not in DASHBOARD_LEVELS:
        raise ValidationFailed(f"Niveau d'accès non permis : {access_level}.",
                               f"Access level not allowed: {access_level}.", where="access_level")  # fmt: skip
    if slug and Dashboard.objects.filter(slug=slug).exists():
        raise ValidationFailed(f"L'identifiant « {slug} » est déjà utilisé.", f"Slug '{slug}' is already used.",
                               where="slug")  # fmt: skip
    wanted = _blocks(indicators, blocks) or []
    chosen = _indicators(actor, wanted, access_level)
    with transaction.atomic():
        dashboard = Dashboard.objects.create(
            title=title.strip(), slug=slug or _unique_slug(Dashboard, title, "tableau-de-bord"),
            description=description, publisher_service=publisher_service, access_level=access_level,
        )  # fmt: skip
        _tiles_set(dashboard, wanted, chosen)
        audit_record(actor=actor, action="create", instance=dashboard, changes={
            **snapshot_diff(None, model_snapshot(dashboard)), "blocks": [None, wanted],
        })  # fmt: skip
    return dashboard


def dashboard_update(
    *, actor, dashboard: Dashboard, title: str | None = None, description: str | None = None,
    access_level: str | None = None, indicators: list[str] | None = None,
    blocks: list[dict] | None = None,
) -> Dashboard:  # fmt: skip
    dashboard_check_editable(actor, dashboard.publisher_service)
    level = access_level or dashboard.access_level
    if level not in DASHBOARD_LEVELS:
        raise ValidationFailed(f"Niveau d'accès non permis : {level}.",
                               f"Access level not allowed: {level}.", where="access_level")  # fmt: skip
    if title is not None and not title.strip():
        raise ValidationFailed("Le titre est obligatoire.", "A title is required.", where="title")
    old = _blocks_of(dashboard)
    wanted = _blocks(indicators, blocks)
    chosen = _indicators(actor, wanted if wanted is not None else old, level)
    with transaction.atomic():
        before = model_snapshot(dashboard)
        if title is not None:
            dashboard.title = title.strip()
        if description is not None:
            dashboard.description = description
        dashboard.access_level = level
        if level != AccessLevel.PUBLIC:
            dashboard.embed_origins = []  # only a public dashboard may be embedded
            # no longer public: a later publication is a new decision
            dashboard.published_at, dashboard.published_by = None, None
            dashboard.publication_reason = ""
        dashboard.save()
        changes = snapshot_diff(before, model_snapshot(dashboard))
        if wanted is not None and wanted != old:
            _tiles_set(dashboard, wanted, chosen)
            changes["blocks"] = [old, wanted]
        if changes:
            audit_record(actor=actor, action="update", instance=dashboard, changes=changes)
    return dashboard


ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")


def dashboard_embed_set(*, actor, dashboard: Dashboard, origins: list[str]) -> Dashboard:
    """The data officer's list of sites allowed to show a public dashboard in a frame (the CSP
    ``frame-ancestors`` of its embeddable view); each an origin such as https://ville.fr."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données choisit les sites qui peuvent intégrer un tableau de bord.",
            "Only the data officer chooses the sites that may embed a dashboard.",
            where="embed_origins",
        )
    cleaned = sorted({o.strip().rstrip("/") for o in origins if o.strip()})
    wrong = [o for o in cleaned if not ORIGIN_RE.match(o)]
    if wrong:
        listed = ", ".join(wrong)
        raise ValidationFailed(
            f"Origine(s) invalide(s) : {listed}. Écrivez-les ainsi : https://www.ville.fr (sans chemin).",
            f"Invalid origin(s): {listed}. Write them as https://www.ville.fr (no path).",
            where="embed_origins",
        )
    if cleaned and dashboard.access_level != AccessLevel.PUBLIC:
        raise ValidationFailed(
            "Seul un tableau de bord public peut être intégré à un autre site.",
            "Only a public dashboard can be embedded in another site.",
            where="embed_origins",
        )
    with transaction.atomic():
        before = list(dashboard.embed_origins)
        dashboard.embed_origins = cleaned
        dashboard.save(update_fields=["embed_origins", "modified_at"])
        if before != cleaned:
            audit_record(actor=actor, action="update", instance=dashboard,
                         changes={"embed_origins": [before, cleaned]})  # fmt: skip
    return dashboard


def dashboard_delete(*, actor, dashboard: Dashboard, reason: str = "") -> None:
    """Delete a dashboard and its blocks (its stewards or the data officer; the indicators
    stay), audited with what it was, its blocks included."""
    dashboard_check_editable(actor, dashboard.publisher_service)
    with transaction.atomic():
        changes = {**snapshot_diff(model_snapshot(dashboard), None),
                   "blocks": [_blocks_of(dashboard), None]}  # fmt: skip
        pk, text = str(dashboard.pk), str(dashboard)
        dashboard.delete()
        audit_record(actor=actor, action=AuditAction.DELETE, object_type="indicators.dashboard",
                     object_id=pk, object_repr=text, changes=changes, reason=reason[:500])  # fmt: skip


def dashboard_publish(*, actor, dashboard: Dashboard, reason: str) -> Dashboard:
    """The data officer's recorded decision to make a dashboard public (who, when, why, kept
    on the dashboard and in the audit log). Required when it shows indicators that are not
    public (internal, or built on a non-public source): the decision publishes them too, each
    through ``indicator_publish`` with the same reason, as their own decision would."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données décide de rendre public un tableau de bord qui "
            "montre des indicateurs non publics.",
            "Only the data officer decides to make public a dashboard that shows non-public "
            "indicators.",
            where="publication",
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Donnez le motif de la décision.", "Give the reason for the decision.",
                               where="reason")  # fmt: skip
    indicators = [
        t.indicator for t in dashboard.tiles.select_related("indicator__series")
        if t.indicator is not None
    ]  # fmt: skip
    private = {i.pk: i for i in indicators if not i.is_public}
    with transaction.atomic():
        for indicator in private.values():
            indicator_publish(actor=actor, indicator=indicator, reason=reason)
        before = model_snapshot(dashboard)
        dashboard.access_level = AccessLevel.PUBLIC
        dashboard.published_at, dashboard.published_by = timezone.now(), actor
        dashboard.publication_reason = reason
        dashboard.save()
        changes = snapshot_diff(before, model_snapshot(dashboard))
        changes["indicators_published"] = [None, sorted(i.slug for i in private.values())]
        audit_record(actor=actor, action=AuditAction.PUBLISH, instance=dashboard,
                     changes=changes, reason=reason[:500])  # fmt: skip
    return dashboard
