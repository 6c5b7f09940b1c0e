"""The built-in guide for relays and agents: short pages, readable by any member of staff."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoire.accounts import permissions

PAGES = {
    "roles": gettext_lazy("Les rôles"),
    "parcours": gettext_lazy("Déclarer, documenter, publier"),
    "donnees-personnelles": gettext_lazy("Données personnelles"),
    "obligations": gettext_lazy("Ce que la loi demande"),
}


@login_required
def guide(request, page: str = ""):
    if not permissions.is_agent(request.user):
        raise PermissionDenied(_("Le guide est réservé aux agents du territoire."))
    if page and page not in PAGES:
        raise Http404
    return render(
        request,
        "workspace/guide.html",
        {"pages": list(PAGES.items()), "page": page, "page_title": PAGES.get(page)},
    )
