"""Words of the access workflow (the rows live in ``trust.access_models``)."""

from __future__ import annotations

import datetime as dt

from territoire.trust.models import AccessRequestStatus, PartnerKind

# A grant is never open-ended: at most this long, renewable by a new decision.
GRANT_MAX_DAYS = 3 * 366
GRANT_DEFAULT_DAYS = 365
GRANT_MAX = dt.timedelta(days=GRANT_MAX_DAYS)

PURPOSE_MIN_LENGTH = 20  # « pour une étude » is not a purpose a steward can judge
REASON_MIN_LENGTH = 5

# Access requests a person may file, per window (count/seconds, core.ratelimit's format).
REQUEST_RATE = "20/86400"

__all__ = [
    "GRANT_DEFAULT_DAYS",
    "GRANT_MAX",
    "GRANT_MAX_DAYS",
    "PURPOSE_MIN_LENGTH",
    "REASON_MIN_LENGTH",
    "REQUEST_RATE",
    "AccessRequestStatus",
    "PartnerKind",
]
