"""Compute an indicator's series and store it as a new version of its series dataset, through
the lake's ingestion service (so the native API, OpenDataSoft, CKAN, DCAT and the exports serve
it). Every value carries its provenance: the source dataset's version and the definition
version. On demand (``indicator_compute``, ``territoire indicators compute``) and when a source
gets a new version (``indicators_recompute_for_version``, registered with ``lake.hooks``).

A computation that fails marks the indicator « en erreur » with the reason; the last good
series keeps serving.

Disclosure: a series built on personal or restricted data goes through ``trust.disclosure``
(primary suppression of cells counting fewer than 11 rows, secondary suppression so that no
hidden cell can be recomputed) before it is written — every version of it, whatever the
indicator's own access level, so that no earlier version can leak what a later one hides."""

from __future__ import annotations

import csv
import logging
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.errors import TerritoireError
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion
from territoire.records.selectors import served_for
from territoire.trust.disclosure import DisclosureConfig, ProtectionFailed, protect_table
from territoire.trust.services import audit_record

from ..definition import definition_parse
from ..models import Indicator, IndicatorRun
from ..selectors import indicator_check_editable, series_compute
from ..vocabularies import IndicatorState

log = logging.getLogger(__name__)

SERIES_COLUMNS = [
    "periode", "code_territoire", "territoire", "valeur", "valeur_brute", "population",
    "version_definition", "source", "source_version", "source_version_id", "source_jointe",
]  # fmt: skip
PROTECTED_LEVELS = (AccessLevel.PERSONAL, AccessLevel.RESTRICTED)

_running = threading.local()


def _error(exc: TerritoireError) -> dict:
    return {"fr": exc.message_fr, "en": exc.message_en, "where": exc.where or ""}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def _write_csv(
    path: Path, indicator: Indicator, points, source: Dataset, version: DatasetVersion,
    joined: str = "",
) -> None:  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SERIES_COLUMNS)
        for p in points:
            writer.writerow([_cell(v) for v in (
                p.period, p.territory_code, p.territory_name, p.value, p.raw_value, p.population,
                indicator.definition_version, source.slug, version.number, version.pk, joined,
            )])  # fmt: skip


def _source(slug: str, where: str) -> tuple[Dataset, DatasetVersion]:
    source = Dataset.objects.filter(slug=slug).select_related("lake__current_version").first()
    lake = getattr(source, "lake", None) if source is not None else None
    version = lake.current_version if lake is not None else None
    if source is None or version is None:
        raise TerritoireError(
            f"La source « {slug} » n'existe plus ou n'a pas de données.",
            f"Source '{slug}' no longer exists or has no data.",
            where=where,
        )
    return source, version


def _protect_counts(cells: list[tuple[str, str, int]]) -> tuple[set, dict]:
    """The (period, territory) cells the disclosure control hides in a table of counts, and
    its public report."""
    config = DisclosureConfig(dimensions=("periode", "code_territoire"), count_column="n")
    try:
        protected = protect_table(
            [{"periode": p, "code_territoire": c, "n": n} for p, c, n in cells], config
        )
    except ProtectionFailed as exc:
        raise TerritoireError(
            "Le secret statistique ne peut pas être assuré pour cette série : elle n'est pas "
            "écrite. " + exc.message_fr,
            "Statistical secrecy cannot be ensured for this series: it is not written. "
            + (exc.message_en or ""),
            where="disclosure",
        ) from exc
    hidden = {
        (row["periode"], row["code_territoire"])
        for row in protected.rows
        if row.get("hidden") and row.get("total_of") in (None, "", [], ())
    }
    return hidden, protected.report.as_dict(public=True)


def series_protect(points: list, sources: list[Dataset], join_on: str = "") -> tuple[list, dict]:
    """The points with the cells the disclosure control hides set to null, and its public
    report; unchanged (and an empty report) when no source is personal or restricted.

    The rows counted behind each value are protected for every protected source: the main
    source's (also when a protected joined table only places its rows: a join on an
    identifier), and the joined source's own counts in a join on the territory or the period."""
    main = sources[0].access_level in PROTECTED_LEVELS
    joined = len(sources) > 1 and sources[1].access_level in PROTECTED_LEVELS
    tables = []
    if main or (joined and join_on == "identifier"):
        tables.append(
            [(p.period, p.territory_code, p.count) for p in points if p.count is not None]
        )
    if joined and join_on != "identifier":
        tables.append([
            (p.period, p.territory_code, p.joined_count) for p in points if p.joined_count is not None
        ])  # fmt: skip
    tables = [t for t in tables if t]
    if not tables:
        return points, {}
    hidden: set = set()
    report: dict = {}
    for table in tables:
        found, part = _protect_counts(table)
        hidden |= found
        if not report:
            report = part
        else:  # one report for the page: the cells of both tables, their sentences
            report["cells"] += part["cells"]
            report["hidden_count"] += part["hidden_count"]
            report["sentences_fr"] += part["sentences_fr"]
            report["sentences_en"] += part["sentences_en"]
    report["cells_hidden"] = sorted([list(key) for key in hidden])
    kept = [
        replace(p, value=None, raw_value=None) if (p.period, p.territory_code) in hidden else p
        for p in points
    ]
    return kept, report


def indicator_compute(
    *, actor, indicator: Indicator, trigger: str = "à la demande"
) -> IndicatorRun:
    """Compute ``indicator`` now. ``actor`` None: the platform (a new source version, the CLI
    without an account); otherwise someone who may change the indicator."""
    if actor is not None:
        indicator_check_editable(actor, indicator)
    source_versions: dict = {}
    disclosure: dict = {}
    try:
        definition = definition_parse(indicator.definition)
        source, version = _source(definition.dataset, "dataset")
        source_versions = {source.slug: {"version": version.number, "id": version.pk}}
        sources, joined, joined_label = [source], None, ""
        if definition.join is not None:
            other, other_version = _source(definition.join.dataset, "join.dataset")
            source_versions[other.slug] = {"version": other_version.number, "id": other_version.pk}
            sources.append(other)
            joined = served_for(other, other_version)
            joined_label = f"{other.slug} v{other_version.number} (#{other_version.pk})"
        points = series_compute(served_for(source, version), definition, joined)
        join_on = definition.join.on if definition.join is not None else ""
        points, disclosure = series_protect(points, sources, join_on)
        if indicator.series is None:
            raise TerritoireError(
                "L'indicateur n'a pas de jeu de données pour sa série.",
                "The indicator has no dataset for its series.",
                where="series",
            )
        with tempfile.TemporaryDirectory(prefix="indicator-") as folder:
            path = Path(folder) / f"{indicator.slug}.csv"
            _write_csv(path, indicator, points, source, version, joined_label)
            report = lake_services.dataset_ingest(
                actor=actor, dataset=indicator.series, source=path, original_name=path.name,
                holder=f"le calcul de l'indicateur « {indicator.slug} »",
            )  # fmt: skip
        if report.status not in ("created", "unchanged"):
            first = (report.errors or [{}])[0]
            raise TerritoireError(
                first.get("message_fr") or "L'écriture de la série a échoué.",
                first.get("message_en") or "Writing the series failed.",
                where="series",
            )
    except TerritoireError as exc:
        return _record(
            actor, indicator, IndicatorState.ERROR, source_versions, trigger, error=_error(exc)
        )
    return _record(actor, indicator, IndicatorState.OK, source_versions, trigger,
                   status=report.status, series_version=report.version,
                   disclosure=disclosure)  # fmt: skip


def _record(actor, indicator, state, source_versions, trigger, *, status="error", error=None,
            series_version=None, disclosure=None) -> IndicatorRun:  # fmt: skip
    with transaction.atomic():
        before = {"state": indicator.state, "error": indicator.error}
        indicator.state = state
        indicator.error = error or {}
        indicator.computed_at = timezone.now()
        fields = ["state", "error", "computed_at", "modified_at"]
        if state == IndicatorState.OK:  # the report goes with the series that is served
            indicator.disclosure = disclosure or {}
            fields.append("disclosure")
        indicator.save(update_fields=fields)
        run = IndicatorRun.objects.create(
            indicator=indicator,
            definition_version=indicator.definition_version,
            source_versions=source_versions,
            series_version=series_version,
            status=status,
            error=error or {},
            trigger=trigger[:100],
            disclosure=disclosure or {},
        )
        audit_record(
            actor=actor,
            action="update",
            instance=indicator,
            changes={
                "state": [before["state"], state],
                "series_version": [None, series_version],
                "source_versions": [None, source_versions],
                **({"error": [before["error"] or None, error]} if error else {}),
            },
            reason=f"calcul ({trigger})"[:500],
        )
    return run


def indicators_compute_all(*, actor=None, slug: str | None = None) -> list[IndicatorRun]:
    """Compute one indicator (``slug``) or every one; what the CLI runs."""
    indicators = Indicator.objects.select_related("series").order_by("slug")
    if slug:
        indicators = indicators.filter(slug=slug)
    return [indicator_compute(actor=actor, indicator=i, trigger="commande") for i in indicators]


def indicators_recompute_for_version(version: DatasetVersion) -> list[IndicatorRun]:
    """Recompute the indicators built on the dataset that just got ``version`` (called by the
    lake once the version is committed). A series written meanwhile notifies too: the guard
    keeps a computation from starting others from inside itself."""
    if getattr(_running, "active", False):
        return []
    slug = Dataset.objects.filter(pk=version.dataset_id).values_list("slug", flat=True).first()
    runs = []
    _running.active = True
    try:
        for indicator in Indicator.objects.filter(
            Q(definition__dataset=slug) | Q(definition__join__dataset=slug)
        ).select_related("series"):
            runs.append(indicator_compute(
                actor=None, indicator=indicator, trigger=f"version {version.number} de {slug}",
            ))  # fmt: skip
    finally:
        _running.active = False
    return runs
