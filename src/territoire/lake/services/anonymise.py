"""Anonymise a dataset holding personal data into a derived dataset, with its lineage
(docs/anonymisation.md).

Here, in the lake, because this is where both halves meet: the transform plan and the
k-anonymity check are the trust layer's (below the catalogue, Django-free), the version is the
lake's (a Parquet file written by its ingestion, placed, swapped, audited), and the derived
dataset is the catalogue's. The lake may import both; neither may import the lake.

The run: the source's served Parquet goes through the plan in DuckDB; the result is checked
(k-anonymity, l-diversity); a result that may not be opened stops here, before anything is
written. Otherwise it goes through the lake's own ingestion into ``<source>-anonymise`` (created
internal and unpublished the first time, with the source's service and publisher), and the check
runs again on the very file that becomes the version (``verify``): its result and that file's
checksum are the lineage's, so the publication rule can tell the served file is the one checked.
A failure at any point leaves no dataset, no version, no file.

The pseudonymisation key is the server's (``settings.TERRITOIRE_PSEUDONYM_KEY``): it is passed
to DuckDB inside a Python function, never written to the plan, the lineage or the logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import AccessLevel
from territoire.core.duckdb import load_extension
from territoire.core.duckdb import quote_identifier as quote
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.territories.models import Territory, TerritoryKind
from territoire.trust.disclosure import AnonymityConfig, AnonymityResult, check_anonymity
from territoire.trust.disclosure.lineage import KIND, plan_words
from territoire.trust.disclosure.transforms import PseudonymKey, TransformPlan, apply_plan
from territoire.trust.models import AuditAction
from territoire.trust.services import audit_record

from ..models import DatasetVersion
from .ingest import dataset_ingest
from .lake_settings import dataset_lake_get
from .locks import Staging

SUFFIX = "-anonymise"
# Boundaries a plan may name without bringing its own: the territories the platform loaded.
BOUNDARY_KINDS = {"communes": TerritoryKind.COMMUNE, "quartiers": TerritoryKind.QUARTIER}
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class AnonymisationSpec:
    """What to run: the plan and the check it must pass, both validated."""

    plan: TransformPlan
    config: AnonymityConfig

    @classmethod
    def build(
        cls,
        *,
        plan: str | Sequence[Mapping],
        quasi_identifiers: Sequence[str],
        k: int = 11,
        l: int = 2,  # noqa: E741 - the name of the measure
        sensitive: Sequence[str] = (),
    ) -> AnonymisationSpec:
        return cls(
            plan=TransformPlan.from_json(plan),
            config=AnonymityConfig(
                quasi_identifiers=tuple(quasi_identifiers),
                sensitive=tuple(sensitive or ()),
                k=k,
                l=l,
            ),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": list(self.plan.steps),
            "quasi_identifiers": list(self.config.quasi_identifiers),
            "sensitive": list(self.config.sensitive),
            "k": self.config.k,
            "l": self.config.l if self.config.sensitive else None,
        }


@dataclass
class Preview:
    source_version: DatasetVersion
    columns: dict[str, str]  # after the plan: name -> DuckDB type
    check: AnonymityResult
    rows: list[dict]  # the first rows of the result


@dataclass
class Anonymised:
    dataset: Dataset
    version: DatasetVersion
    created: bool  # the derived dataset was created by this run
    unchanged: bool  # same content as the derived dataset's served version: no new version


def derived_slug(source: Dataset) -> str:
    return f"{source.slug[: 120 - len(SUFFIX)]}{SUFFIX}"


def _key() -> PseudonymKey | None:
    secret = getattr(settings, "TERRITOIRE_PSEUDONYM_KEY", None)
    return PseudonymKey(secret) if secret else None


def _source_version(actor, dataset: Dataset) -> DatasetVersion:
    """The version to anonymise: the served one of a dataset flagged personal, which the actor
    may edit (data officer, steward of its service)."""
    if not permissions.is_authenticated(actor) or not permissions.can_edit_dataset(actor, dataset):
        raise PermissionRefused(
            "Seuls l'administrateur des données et les relais du service producteur peuvent "
            "anonymiser ce jeu de données.",
            "Only the data officer and the producing service's stewards may anonymise this "
            "dataset.",
            where="dataset",
        )
    lake = dataset_lake_get(dataset)
    version = lake.current_version
    if version is None:
        raise ValidationFailed(
            f"« {dataset.slug} » n'a pas encore de données à anonymiser.",
            f"'{dataset.slug}' has no data to anonymise yet.",
            where="dataset",
        )
    if dataset.access_level != AccessLevel.PERSONAL and not version.personal_data:
        raise ValidationFailed(
            f"« {dataset.slug} » n'est pas signalé comme contenant des données personnelles : "
            "il n'y a rien à anonymiser.",
            f"'{dataset.slug}' is not flagged as holding personal data: nothing to anonymise.",
            where="dataset",
        )
    if (version.lineage or {}).get("kind") == KIND:
        raise ValidationFailed(
            "Ce jeu de données est déjà une version anonymisée : anonymisez sa source.",
            "This dataset is already an anonymised version: anonymise its source.",
            where="dataset",
        )
    return version


def _boundaries(con: duckdb.DuckDBPyConnection, plan: TransformPlan) -> dict[str, str]:
    """The platform's own boundaries a plan names (``coordinates_to_area`` with
    ``"boundaries": "communes"`` or ``"quartiers"``): the territories loaded, with their
    contours, as a DuckDB table (``code``, ``geom``)."""
    names = {
        str(step["boundaries"])
        for step in plan.steps
        if step.get("op") == "coordinates_to_area" and step.get("boundaries") in BOUNDARY_KINDS
    }
    tables: dict[str, str] = {}
    for name in sorted(names):
        load_extension(con, "spatial")
        table = f"boundaries_{name}"
        con.execute(f"CREATE TABLE {quote(table)} (code VARCHAR, geom_json VARCHAR)")
        rows = [
            (code, json.dumps(geometry))
            for code, geometry in Territory.objects.filter(
                kind=BOUNDARY_KINDS[name], geometry__isnull=False
            ).values_list("code", "geometry")
        ]
        if rows:
            con.executemany(f"INSERT INTO {quote(table)} VALUES (?, ?)", rows)  # noqa: S608
        con.execute(
            f"CREATE TABLE {quote(table + '_geo')} AS SELECT code, "  # noqa: S608
            f"ST_GeomFromGeoJSON(geom_json) AS geom FROM {quote(table)}"
        )
        tables[name] = table + "_geo"
    return tables


def _run(con: duckdb.DuckDBPyConnection, version: DatasetVersion, spec: AnonymisationSpec):
    """The plan on the version's Parquet, materialised as table ``anonymised``, and its check."""
    con.execute(
        "CREATE TABLE source AS SELECT * FROM read_parquet(?)", [str(version.absolute_path)]
    )
    compiled = apply_plan(
        con, spec.plan, "source", key=_key(), boundaries=_boundaries(con, spec.plan)
    )
    con.execute(f"CREATE TABLE anonymised AS {compiled.sql}", compiled.params)  # noqa: S608
    return compiled, check_anonymity(con, "anonymised", spec.config)


def anonymisation_preview(*, actor, dataset: Dataset, spec: AnonymisationSpec) -> Preview:
    """Run the plan and the check without writing anything: what passes, what fails, the
    smallest classes. Reading the personal data is audited (« lecture »)."""
    version = _source_version(actor, dataset)
    with duckdb.connect() as con:
        compiled, check = _run(con, version, spec)
        cursor = con.execute("SELECT * FROM anonymised LIMIT ?", [PREVIEW_ROWS])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    audit_record(
        actor=actor,
        action=AuditAction.READ,
        instance=dataset,
        changes={"anonymisation_preview": spec.as_dict(), "may_open": check.may_open},
        reason=f"aperçu d'anonymisation de la version {version.number}",
    )
    return Preview(source_version=version, columns=compiled.columns, check=check, rows=rows)


def _refuse(check: AnonymityResult) -> None:
    raise ValidationFailed(
        "Le résultat ne peut pas être ouvert : " + " ".join(check.sentences("fr")),
        "The result may not be opened: " + " ".join(check.sentences("en")),
        where="quasi_identifiers",
    )


def _derived_target(source: Dataset) -> tuple[Dataset | None, str]:
    slug = derived_slug(source)
    existing = Dataset.objects.filter(slug=slug).first()
    if existing is None:
        return None, slug
    from_source = DatasetVersion.objects.filter(
        dataset=existing, lineage__kind=KIND, lineage__source__dataset_id=source.pk
    ).exists()
    if not from_source:
        raise ValidationFailed(
            f"L'identifiant « {slug} » est déjà pris par un jeu de données qui n'est pas une "
            "version anonymisée de celui-ci.",
            f"Slug '{slug}' is taken by a dataset that is not an anonymised version of this one.",
            where="slug",
        )
    return existing, slug


def _literal(path: Path) -> str:
    """A path as an SQL string literal (statements DuckDB cannot prepare: views, COPY)."""
    return "'" + str(path).replace("'", "''") + "'"


def _write_parquet(con, path: Path, labels: dict[str, str]) -> None:
    """The result, its columns named by the source's labels (the ingestion derives the same
    column identifiers from them as it did for the source)."""
    select = ", ".join(f"{quote(name)} AS {quote(label)}" for name, label in labels.items())
    con.execute(f"COPY (SELECT {select} FROM anonymised) TO {_literal(path)} (FORMAT parquet)")  # noqa: S608


def _verifier(spec: AnonymisationSpec, labels: dict[str, str]):
    """The check again, on the staged file that becomes the version (column ids as the
    ingestion gave them, found by label)."""

    def verify(parquet: Path, columns: list[dict]) -> dict:
        by_label = {column["label"]: column["id"] for column in columns}
        mapped = {name: by_label.get(label, name) for name, label in labels.items()}
        config = AnonymityConfig(
            quasi_identifiers=tuple(mapped[c] for c in spec.config.quasi_identifiers),
            sensitive=tuple(mapped[c] for c in spec.config.sensitive),
            k=spec.config.k,
            l=spec.config.l,
        )
        with duckdb.connect() as con:
            con.execute(f"CREATE VIEW staged AS SELECT * FROM read_parquet({_literal(parquet)})")  # noqa: S608
            check = check_anonymity(con, "staged", config)
        if not check.may_open:
            _refuse(check)
        return check.as_dict()

    return verify


def dataset_anonymise(*, actor, dataset: Dataset, spec: AnonymisationSpec) -> Anonymised:
    """Write the anonymised result of ``dataset``'s served version as a version of its derived
    dataset (created the first time), with the lineage; audited (« création » of the version
    with its lineage, « lecture » of the source). Raises ValidationFailed, writing nothing, when
    the plan is refused or the result may not be opened."""
    version = _source_version(actor, dataset)
    existing, slug = _derived_target(dataset)
    labels_of = {c["id"]: c.get("label") or c["id"] for c in version.columns}
    staging = Staging()
    try:
        with duckdb.connect() as con:
            compiled, check = _run(con, version, spec)
            if not check.may_open:
                _refuse(check)
            labels = {name: labels_of.get(name, name) for name in compiled.columns}
            if len(set(labels.values())) != len(labels):
                labels = {name: name for name in compiled.columns}
            result = staging.path / f"{slug}.parquet"
            _write_parquet(con, result, labels)
        lineage = {
            "kind": KIND,
            "source": {
                "dataset_id": dataset.pk,
                "dataset": dataset.slug,
                "title": dataset.title,
                "version_id": version.pk,
                "version": version.number,
                "parquet_checksum": version.parquet_checksum,
                "rows": version.row_count,
            },
            "plan": list(spec.plan.steps),
            "plan_fr": plan_words(spec.plan.steps, "fr"),
            "plan_en": plan_words(spec.plan.steps, "en"),
            "config": {key: v for key, v in spec.as_dict().items() if key != "plan"},
            "by": {"id": actor.pk, "username": actor.get_username()},
            "at": timezone.now().isoformat(timespec="seconds"),
        }
        with transaction.atomic():
            target, created = existing, existing is None
            if target is None:
                target = catalog_services.dataset_create(
                    actor=actor,
                    title=f"{dataset.title} (anonymisé)"[:300],
                    publisher=dataset.publisher,
                    slug=slug,
                    themes=list(dataset.themes.values_list("code", flat=True)),
                    territories=list(dataset.territories.all()),
                    publisher_service=dataset.publisher_service,
                    steward=dataset.steward,
                    access_level=AccessLevel.INTERNAL,
                    description=(
                        f"Version anonymisée de « {dataset.title} » (version {version.number}) : "
                        "voir sa lignée pour le plan de transformation et le contrôle de "
                        "k-anonymat."
                    ),
                    keywords=list(dataset.keywords or []),
                    frequency=dataset.frequency,
                )
            report = dataset_ingest(
                actor=actor,
                dataset=target,
                source=result,
                original_name=f"{dataset.slug}-v{version.number}{SUFFIX}.parquet",
                lineage=lineage,
                verify=_verifier(spec, labels),
            )
            if report.status == "failed":
                first = report.errors[0] if report.errors else {}
                raise ValidationFailed(
                    first.get("message_fr") or report.message_fr,
                    first.get("message_en") or report.message_en,
                    where=first.get("code") or "anonymisation",
                )
            derived = DatasetVersion.objects.get(dataset=target, number=int(report.version or 0))
            unchanged = report.status == "unchanged"
            audit_record(
                actor=actor,
                action=AuditAction.READ,
                instance=dataset,
                changes={"anonymisation": [None, target.slug], "source_version": version.number},
                reason=f"anonymisation vers « {target.slug} »",
            )
            if not unchanged:
                audit_record(
                    actor=actor,
                    action=AuditAction.CREATE,
                    instance=derived,
                    changes={"lineage": [None, _summary(derived.lineage)]},
                    reason=f"anonymisation de « {dataset.slug} » v{version.number}",
                )
    finally:
        staging.remove()
    return Anonymised(dataset=target, version=derived, created=created, unchanged=unchanged)


def _summary(lineage: dict) -> dict:
    check = lineage.get("check") or {}
    return {
        "source": lineage.get("source"),
        "plan": lineage.get("plan"),
        "k": check.get("k"),
        "l": check.get("l"),
        "may_open": check.get("may_open"),
        "parquet_checksum": check.get("parquet_checksum"),
    }


def lineage_json(lineage: dict) -> str:
    return json.dumps(lineage, ensure_ascii=False, indent=2, sort_keys=True, default=str)


__all__ = [
    "Anonymised",
    "AnonymisationSpec",
    "Preview",
    "anonymisation_preview",
    "dataset_anonymise",
    "derived_slug",
    "lineage_json",
]
