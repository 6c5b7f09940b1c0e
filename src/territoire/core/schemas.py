"""The error shapes of the native API, shared by every app's router (catalogue, territories, lake,
records): they live here, below every app, so that a router never imports the API that assembles it."""

from __future__ import annotations

import datetime
import re
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator

# Beyond any catalogue, and within the 64-bit OFFSET of SQLite and PostgreSQL (a larger one was a
# 500, found by the fuzzer).
MAX_OFFSET = 2**31 - 1

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _iso_text(value):
    """Pydantic would read a number as seconds since 1970: a date-time parameter is ISO 8601
    text only, as the OpenAPI document says (``format: date-time``)."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and _NUMBER.fullmatch(value.strip())
    ):
        raise ValueError("expected an ISO 8601 date and time, e.g. 2026-01-31T12:00:00+01:00")
    return value


# A date-time in a query or a body: ISO 8601 text (never a bare number).
IsoDateTime = Annotated[datetime.datetime, BeforeValidator(_iso_text)]


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
