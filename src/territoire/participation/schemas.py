"""The participation app in the native API: public fields only; authors by pseudonym, never by
account; exports without pseudonyms at all."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from territoire.core.schemas import IsoDateTime


class LinkOut(Schema):
    reference: str
    title: str


class PhaseOut(Schema):
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date | None


class MilestoneOut(Schema):
    title: str
    due_on: datetime.date
    reached_on: datetime.date | None


class TimelineOut(Schema):
    date: datetime.datetime
    text: str


class QuestionOut(Schema):
    text: str
    answer: str
    asked_at: datetime.datetime
    answered_at: datetime.datetime | None


class EffectOut(Schema):
    """A linked evaluation and its measured effect (difference in differences)."""

    reference: str
    title: str
    indicator: str
    estimate: float | None
    confidence_interval: list[float | None]
    sentence_fr: str
    sentence_en: str


class ProjectLinksIn(Schema):
    """References (slugs) replacing a project's links; a list left out is not changed."""

    datasets: list[str] | None = None
    algorithms: list[str] | None = None
    processing_activities: list[str] | None = None
    indicators: list[str] | None = None
    evaluations: list[str] | None = None


class ProjectOut(Schema):
    reference: str
    title: str
    summary: str
    service: str
    territory_kind: str
    territory_code: str
    territory: str
    status: str
    progress: int
    purpose: str
    processes_personal_data: bool
    personal_data_detail: str
    benefits: str
    risks: str
    decision_maker: str
    contact: str
    datasets: list[LinkOut]
    algorithms: list[LinkOut]
    processing_activities: list[LinkOut]
    indicators: list[LinkOut]
    evaluations: list[EffectOut]
    report_count: int = Field(description="visible reports (signalements) linked to the project")
    phases: list[PhaseOut]
    milestones: list[MilestoneOut]
    timeline: list[TimelineOut]
    questions: list[QuestionOut]
    url: str


class ResultOut(Schema):
    question: int
    question_label: str
    kind: str
    quartier_code: str
    quartier: str
    answer: str
    count: int | None = Field(description="null for a quartier hidden by statistical secrecy")
    respondents: int | None
    share: float | None
    average_rank: float | None
    hidden: bool = Field(description="the quartier is hidden by statistical secrecy")


class ConsultationOut(Schema):
    reference: str
    title: str
    project: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    is_open: bool
    respondents: int | None
    results_published_at: datetime.datetime | None
    results_dataset: str | None
    results: list[ResultOut]
    hidden_quartiers: list[str] = Field(
        description="codes of the quartiers not detailed (statistical secrecy)"
    )
    disclosure: list[str] = Field(description="what was hidden and why, in French")
    disclosure_en: list[str] = Field(description="what was hidden and why, in English")


class ProposalOut(Schema):
    id: int
    title: str
    text: str
    category: str
    project: str | None
    service: str
    status: str
    answer: str
    answered_at: datetime.datetime | None
    supports: int
    comments: int
    latitude: float | None
    longitude: float | None
    created_at: datetime.datetime


class QuestionIn(Schema):
    kind: str = Field(description="single, multiple, ranking, scale or text")
    label: str
    choices: list[str] = []
    scale_min: int = 1
    scale_max: int = 5
    is_required: bool = True


class ConsultationPatch(Schema):
    """What to change; a field left out is not changed. Questions and conditions only before
    the consultation opens; after the first answer, only the dates and the description."""

    title: str | None = None
    description: str | None = None
    opens_at: IsoDateTime | None = None
    closes_at: IsoDateTime | None = None
    requires_residency: bool | None = None
    questions: list[QuestionIn] | None = None
