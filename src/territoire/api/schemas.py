from __future__ import annotations

import datetime

from ninja import Schema


class StatusOut(Schema):
    status: str
    version: str
    territory: str | None


class TerritoryOut(Schema):
    kind: str
    code: str
    name: str
    siren: str
    population: int | None
    parent_code: str | None
    departement_code: str


class TerritoryDetailOut(TerritoryOut):
    members: list[TerritoryOut]
    geometry: dict | None


class DatasetOut(Schema):
    slug: str
    title: str
    description: str
    publisher: str
    publisher_service: str | None
    access_level: str
    is_published: bool
    licence: str
    frequency: str
    themes: list[str]
    keywords: list
    territories: list[str]
    created_at: datetime.datetime
    modified_at: datetime.datetime
