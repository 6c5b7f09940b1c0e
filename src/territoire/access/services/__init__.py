"""Writes of the access workflow: requests, grants, refusals, revocations (``requests``) and
data-sharing agreements with partners, their accounts and their pushes (``agreements``).
Every write runs in one transaction with its audit event (``trust.services.audit_record``)."""

from .agreements import (
    agreement_push,
    agreement_save,
    agreement_terminate,
    partner_account_set,
)
from .requests import (
    TooManyRequests,
    access_grant_create,
    access_grant_revoke,
    access_request_create,
    access_request_grant,
    access_request_refuse,
    access_request_withdraw,
)

__all__ = [
    "TooManyRequests",
    "access_grant_create",
    "access_grant_revoke",
    "access_request_create",
    "access_request_grant",
    "access_request_refuse",
    "access_request_withdraw",
    "agreement_push",
    "agreement_save",
    "agreement_terminate",
    "partner_account_set",
]
