"""The access workflow in the native API: requests, grants, agreements, partner pushes."""

from __future__ import annotations

import datetime

from ninja import Schema


class RowFilterIn(Schema):
    column: str
    op: str = "="
    value: str | int | float | bool | None = None


class PeriodIn(Schema):
    column: str
    start: datetime.date | None = None
    end: datetime.date | None = None


class AccessRequestIn(Schema):
    dataset: str  # the dataset's slug
    purpose: str


class GrantIn(Schema):
    expires_at: datetime.datetime
    columns: list[str] = []
    row_filters: list[RowFilterIn] = []
    period: PeriodIn | None = None
    reason: str = ""


class ReasonIn(Schema):
    reason: str


class ScopeOut(Schema):
    columns: list[str]
    row_filters: list[dict]
    period: dict | None


class GrantOut(Schema):
    id: int
    dataset: str
    grantee: str | None
    grantee_organization: str | None
    agreement: str | None
    scope: ScopeOut
    starts_at: datetime.datetime
    expires_at: datetime.datetime
    revoked_at: datetime.datetime | None
    is_active: bool


class AccessRequestOut(Schema):
    id: int
    dataset: str
    dataset_title: str
    requester: str
    organization: str | None
    purpose: str
    status: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    refusal_reason: str
    grant: GrantOut | None


class AgreementOut(Schema):
    reference: str
    title: str
    partner: str
    partner_kind: str
    service: str
    purpose: str
    conditions: str
    starts_on: datetime.date
    ends_on: datetime.date
    is_in_force: bool
    datasets_provided: list[str]
    datasets_received: list[str]


class DeliveryOut(Schema):
    agreement: str
    dataset: str
    status: str
    version: int | None
    message: str
    message_en: str
