from __future__ import annotations

import datetime

from ninja import Schema


class ErrorOut(Schema):
    """The one error shape of the native API: a code, a French and an English message a person
    can act on, and where the problem is (a parameter, a field, a clause)."""

    error: str
    message: str
    message_en: str
    where: str | None = None


class ValidationDetailOut(Schema):
    """One refused value, as pydantic reports it: `loc` starts with the part of the request
    (`query`, `path`, `body`, `form`, `file`), then the parameter or field."""

    loc: list[str | int]
    type: str
    msg: str
    ctx: dict | None = None


class ValidationErrorOut(ErrorOut):
    """422: a parameter or field of the request is missing or has the wrong type or range."""

    details: list[ValidationDetailOut]


# What every read of the native API may answer besides its result: a bad or missing token, a
# refused parameter, the rate limit. Routers add their own (404, 400 for a query…).
COMMON_ERRORS = {401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


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
