"""Access beyond open data on the portal: the inventory of non-public datasets a signed-in
person may ask for, the request form, and « mes demandes d'accès ».

Anonymous visitors never learn that a non-public dataset exists (not-found, as everywhere);
a signed-in person sees its title, producing service and access level — never its data — and
may ask for it, saying why (docs/access.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from territoire.access import selectors as access_selectors
from territoire.access import services as access_services
from territoire.access.vocabularies import PURPOSE_MIN_LENGTH
from territoire.catalog import selectors as catalog_selectors
from territoire.core.errors import NotFound, TerritoireError


class AccessRequestForm(forms.Form):
    purpose = forms.CharField(
        label=gettext_lazy("Usage prévu des données"),
        help_text=gettext_lazy(
            "Dites qui vous êtes, ce que vous ferez des données, combien de temps et avec qui "
            "vous les partagerez. Le service producteur décide sur cette base."
        ),
        min_length=PURPOSE_MIN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _requestable(request, slug: str):
    dataset = catalog_selectors.dataset_list_requestable(request.user).filter(slug=slug).first()
    if dataset is None:
        raise Http404
    return dataset


@login_required
def access_inventory(request):
    """The non-public datasets the person may not read yet, with a link to ask."""
    datasets = catalog_selectors.dataset_list_requestable(request.user).order_by("title")
    pending = set(
        access_selectors.access_requests_of(request.user)
        .filter(status="pending")
        .values_list("dataset_id", flat=True)
    )
    return render(
        request,
        "web/access/inventory.html",
        {"datasets": datasets[:500], "pending": pending},
    )


@login_required
def access_request_new(request, slug: str):
    dataset = _requestable(request, slug)
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access_services.access_request_create(
                actor=request.user, dataset=dataset, purpose=form.cleaned_data["purpose"]
            )
        except TerritoireError as exc:
            form.add_error("purpose" if exc.where == "purpose" else None, exc.localized())
        else:
            messages.success(
                request,
                _("Votre demande d'accès à « %(title)s » est transmise au service producteur.")
                % {"title": dataset.title},
            )
            return redirect("web:access_requests_mine")
    return render(
        request,
        "web/access/request_form.html",
        {"dataset": dataset, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def access_requests_mine(request):
    requests = access_selectors.access_requests_of(request.user)[:200]
    grants = access_selectors.access_grants_of(request.user).filter(request__isnull=True)[:200]
    return render(
        request, "web/access/mine.html", {"access_requests": requests, "agreement_grants": grants}
    )


@login_required
@require_POST
def access_request_withdraw(request, pk: int):
    try:
        found = access_selectors.access_request_get_for_requester(request.user, pk)
        access_services.access_request_withdraw(actor=request.user, request=found)
    except NotFound:
        raise Http404 from None
    except TerritoireError as exc:
        raise PermissionDenied(exc.localized()) from None
    messages.success(request, _("Demande retirée."))
    return redirect("web:access_requests_mine")
