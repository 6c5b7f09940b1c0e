"""Reports in the native API: what the public may read of a report (never its author, whose
name and e-mail stay with the service in charge), and what a client sends to file or answer one."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from territoire.core.schemas import IsoDateTime

from .text import ADDRESS_MAX, DESCRIPTION_MAX, MESSAGE_MAX
from .vocabularies import ReportStatus


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    service: str
    service_slug: str


class ReportOut(Schema):
    id: int
    category: str
    category_name: str
    service: str
    status: ReportStatus
    description: str
    address: str
    latitude: float
    longitude: float
    commune_code: str | None
    commune: str | None
    quartier_code: str | None
    quartier: str | None
    photo_url: str | None
    url: str
    created_at: datetime.datetime
    modified_at: datetime.datetime
    status_changed_at: datetime.datetime | None


class ReportEventOut(Schema):
    date: datetime.datetime
    old_status: str
    status: str
    message: str


class ReportDetailOut(ReportOut):
    """A report with its timeline; ``moderation`` is ``visible`` except for the service in
    charge and the data officer, who also read hidden reports (each read audited)."""

    moderation: str
    timeline: list[ReportEventOut]


class ReportFilter(Schema):
    """The list's filters, combined with AND."""

    status: ReportStatus | None = None
    category: str | None = Field(None, max_length=60, description="Code de la catégorie")
    service: str | None = Field(None, max_length=100, description="Identifiant du service")
    quartier: str | None = Field(
        None, max_length=20, description="Code d'un quartier ou code INSEE d'une commune"
    )
    since: IsoDateTime | None = Field(None, description="Déposés à partir de (ISO 8601)")
    until: IsoDateTime | None = Field(None, description="Déposés jusqu'à (ISO 8601)")
    bbox: str | None = Field(
        None, max_length=120, description="ouest,sud,est,nord en degrés décimaux"
    )


class PlaceOut(Schema):
    """Where a position falls: inside the territory (its commune, its quartier if the territory
    has quartiers) or not."""

    latitude: float
    longitude: float
    is_inside: bool
    commune_code: str | None
    commune: str | None
    quartier_code: str | None
    quartier: str | None


class ReportIn(Schema):
    """A new report. The position (WGS 84, decimal degrees) must fall inside the territory; a
    photo is sent through the portal or Open311 (``media``)."""

    category: str = Field(
        ..., max_length=60, description="Code de la catégorie (voir /reports/categories)"
    )
    description: str = Field(..., max_length=DESCRIPTION_MAX)
    latitude: float = Field(..., ge=-90, le=90)
    longitude: float = Field(..., ge=-180, le=180)
    address: str = Field("", max_length=ADDRESS_MAX, description="Adresse ou repère, facultatif")


class ReportAnswerIn(Schema):
    """The service's answer: a new status and/or a public message (required to reject)."""

    status: ReportStatus
    message: str = Field("", max_length=MESSAGE_MAX)
