"""The data officer's « pilotage » page and the legal duties, both computed from the inventory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors
from ..selectors.dashboard import FAILED_JOBS_DAYS, dashboard
from ..selectors.legal import AGENTS_THRESHOLD, DUTIES, POPULATION_THRESHOLD, legal_duties
from .common import require_data_officer


@login_required
def dashboard_page(request):
    require_data_officer(request)
    rows = selectors.inventory(request.user)
    return render(
        request,
        "workspace/dashboard.html",
        {"board": dashboard(rows), "failed_days": FAILED_JOBS_DAYS},
    )


@login_required
def legal_duties_page(request):
    require_data_officer(request)
    rows = selectors.inventory(request.user)
    return render(
        request,
        "workspace/legal_duties.html",
        {
            "publishers": legal_duties(rows),
            "duties": DUTIES,
            "population_threshold": POPULATION_THRESHOLD,
            "agents_threshold": AGENTS_THRESHOLD,
        },
    )
