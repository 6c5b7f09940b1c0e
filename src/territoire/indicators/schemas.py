"""The indicators in the native API: definitions in and out, runs, comparisons, evaluations
and dashboards. The series itself is read through the records endpoints
(``/api/v1/datasets/indicateur-<slug>/records``)."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class IndicatorIn(Schema):
    title: str
    service: str = Field(
        description="Le service responsable : « organisation/service » (identifiants)."
    )
    definition: dict[str, Any] = Field(description="La définition structurée (docs/indicators.md).")
    slug: str | None = None
    description: str = ""
    method: str = ""
    unit: str = ""
    direction: str = "higher"
    frequency: str = "ANNUAL"
    granularity: str = "commune"
    access_level: str = "internal"
    themes: list[str] = []
    compute: bool = Field(True, description="Calculer la série aussitôt créé.")


class IndicatorPatch(Schema):
    title: str | None = None
    definition: dict[str, Any] | None = None
    description: str | None = None
    method: str | None = None
    unit: str | None = None
    direction: str | None = None
    frequency: str | None = None
    granularity: str | None = None
    access_level: str | None = None
    themes: list[str] | None = None
    compute: bool = True


class RunOut(Schema):
    status: str
    definition_version: int
    series_version: int | None
    source_versions: dict[str, Any]
    error: dict[str, Any]
    disclosure: dict[str, Any]
    trigger: str
    created_at: datetime.datetime


class IndicatorOut(Schema):
    slug: str
    title: str
    description: str
    method: str
    unit: str
    direction: str
    frequency: str
    granularity: str
    access_level: str
    is_published: bool
    publisher_service: str
    definition: dict[str, Any]
    definition_version: int
    state: str
    error: dict[str, Any]
    disclosure: dict[str, Any]
    series: str | None = Field(
        description="Le jeu de données de la série (API des enregistrements)."
    )
    computed_at: datetime.datetime | None
    last_run: RunOut | None = None


class RankedOut(Schema):
    rank: int
    code: str
    name: str
    value: float | None
    share_of_reference: float | None


class ComparisonOut(Schema):
    period: str
    periods: list[str]
    ranking: list[RankedOut]
    reference_code: str
    reference_name: str
    reference_value: float | None
    reference_note_fr: str
    reference_note_en: str
    trend: list[tuple[str, float | None]]


class EvaluationIn(Schema):
    indicator: str
    title: str
    intervention_date: datetime.date
    treated: list[str]
    comparison: list[str] = []
    description: str = ""
    slug: str | None = None


class EvaluationPatch(Schema):
    title: str | None = None
    description: str | None = None
    intervention_date: datetime.date | None = None
    treated: list[str] | None = None
    comparison: list[str] | None = None


class GroupOut(Schema):
    before: float | None
    after: float | None
    change: float | None


class EvaluationOut(Schema):
    slug: str
    title: str
    description: str
    indicator: str
    intervention_date: datetime.date
    treated: list[str]
    comparison: list[str]
    treated_means: GroupOut
    comparison_means: GroupOut
    periods_before: list[str]
    periods_after: list[str]
    estimate: float | None
    confidence_interval: list[float | None]
    p_value: float | None
    standard_errors: str
    sentence_fr: str
    sentence_en: str


class BlockIn(Schema):
    kind: str = Field(
        "kpi",
        description="kpi (tuile), chart (courbe), bar (barres), stacked (barres empilées par "
        "territoire), map (carte), table (classement), text",
    )
    indicator: str | None = None
    text: str = Field("", description="Le texte d'un bloc « text », en Markdown.")


class DashboardIn(Schema):
    title: str
    service: str = Field(description="« organisation/service »")
    indicators: list[str] = Field(
        [], description="Une tuile par indicateur, dans l'ordre (sans « blocks »)."
    )
    blocks: list[BlockIn] | None = Field(
        None, description="Les blocs, dans l'ordre (remplace « indicators »)."
    )
    description: str = ""
    access_level: str = "internal"
    slug: str | None = None


class DashboardPatch(Schema):
    title: str | None = None
    description: str | None = None
    access_level: str | None = None
    indicators: list[str] | None = None
    blocks: list[BlockIn] | None = None


class TileOut(Schema):
    kind: str
    text: str
    indicator: str | None
    title: str
    unit: str
    period: str
    territory: str
    value: float | None
    target_status: str | None
    target_sentence_fr: str | None
    values: list[tuple[str, float | None]]


class DashboardOut(Schema):
    slug: str
    title: str
    description: str
    publisher_service: str
    access_level: str
    published_at: datetime.datetime | None = Field(
        None, description="Quand l'administrateur des données l'a rendu public (décision motivée)."
    )
    publication_reason: str = ""
    tiles: list[TileOut]


class PublicationDecisionIn(Schema):
    reason: str = Field(description="Le motif de la décision (obligatoire).")
