"""What every workspace page shares: who may enter, and the dataset an actor may change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.core.errors import NotFound, PermissionRefused


def require_staff_editor(request) -> None:
    """The workspace's datasets are for data officers and stewards (a 403 page otherwise)."""
    user = request.user
    if not (permissions.is_data_officer(user) or permissions.stewarded_service_ids(user)):
        raise PermissionDenied(
            _("Espace réservé aux relais données et aux administrateurs des données.")
        )


def require_data_officer(request) -> None:
    if not permissions.is_data_officer(request.user):
        raise PermissionDenied(_("Page réservée à l'administrateur des données."))


def editable_dataset(request, slug: str):
    """The dataset if the person may change it (``dataset_get_editable``, the one edit check);
    not-found otherwise, whoever they are: the workspace does not tell which datasets exist."""
    try:
        return catalog_selectors.dataset_get_editable(request.user, slug)
    except (NotFound, PermissionRefused):
        raise Http404 from None
