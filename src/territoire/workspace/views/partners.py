"""Partner organisations' accounts, from the workspace (until now in the admin only): the data
officer attaches an existing account to a partner organisation, or detaches it. Every change
goes through ``access.services.partner_account_set`` (data officer only, no agent of the
territory, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from territoire.access import selectors as access_selectors
from territoire.access import services as access_services
from territoire.core.errors import TerritoireError

from ..access_forms import PartnerAccountForm
from .common import require_data_officer


@login_required
def partner_accounts(request):
    require_data_officer(request)
    attaching = request.method == "POST" and request.POST.get("action") != "detach"
    form = PartnerAccountForm(request.POST if attaching else None)
    accounts = access_selectors.partner_account_list(request.user)
    if request.method == "POST" and request.POST.get("action") == "detach":
        account = accounts.filter(pk=request.POST.get("account") or 0).first()
        if account is not None:
            access_services.partner_account_set(
                actor=request.user, user=account.user, organization=None
            )
            messages.success(
                request, _("Le compte %(u)s n'agit plus pour un partenaire.") % {"u": account.user}
            )
        return redirect("workspace:partner_accounts")
    if attaching and form.is_valid():
        try:
            access_services.partner_account_set(
                actor=request.user,
                user=form.cleaned_data["username"],
                organization=form.cleaned_data["organization"],
            )
        except TerritoireError as exc:
            form.add_error("username" if exc.where == "user" else None, exc.localized())
        else:
            messages.success(request, _("Compte partenaire enregistré."))
            return redirect("workspace:partner_accounts")
    return render(
        request,
        "workspace/access/partner_accounts.html",
        {"form": form, "accounts": accounts},
        status=400 if form.errors else 200,
    )
