"""The registers in the native API: codes for the vocabularies (their labels are on the portal and
in the exports), the DPIA result in words, only the public fields."""

from __future__ import annotations

import datetime

from ninja import Schema


class TransferOut(Schema):
    recipient: str
    country: str
    safeguard: str


class RetentionOut(Schema):
    category: str
    period: str


class ProcessingOut(Schema):
    reference: str
    name: str
    service: str
    purposes: list[str]
    legal_bases: list[str]
    legal_basis_detail: str
    data_categories: list[str]
    data_categories_detail: str
    sensitive_data: bool
    sensitive_categories: list[str]
    people_categories: list[str]
    recipients: list[str]
    transfers: list[TransferOut]
    retention: list[RetentionOut]
    security_measures: list[str]
    controller: str
    controller_contact: str
    dpo: str
    dpo_contact: str
    datasets: list[str]
    dpia_criteria: list[str]
    dpia_mandatory: list[str]
    dpia_required: bool
    dpia: str
    is_published: bool
    modified_at: datetime.datetime


class ParameterOut(Schema):
    name: str
    description: str
    weight: float | None


class AlgorithmOut(Schema):
    reference: str
    name: str
    service: str
    purpose: str
    decision: str
    legal_basis: str
    automation: str
    parameters: list[ParameterOut]
    datasets: list[str]
    processing_activities: list[str]
    human_oversight: str
    how_to_contest: str
    contact: str
    source_code_url: str
    is_published: bool
    modified_at: datetime.datetime
