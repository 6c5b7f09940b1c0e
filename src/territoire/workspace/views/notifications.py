"""A member of staff's notifications, their daily digest setting, and the one-click unsubscribe
link of the digest e-mails (which works without signing in: the link is signed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from territoire.accounts import permissions
from territoire.core import ratelimit

from .. import services
from ..selectors.notifications import notification_list, notification_sentence


def _require_agent(request) -> None:
    if not permissions.is_agent(request.user):
        raise PermissionDenied(_("Les notifications sont réservées aux agents du territoire."))


@login_required
def notification_page(request):
    _require_agent(request)
    services.notifications_collect()
    page = Paginator(notification_list(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "workspace/notifications.html",
        {
            "page": page,
            "entries": [(n, notification_sentence(n)) for n in page],
            "daily_digest": services.digest_wanted(request.user),
            "has_email": bool(request.user.email),
        },
    )


@login_required
@require_POST
def notification_read(request):
    _require_agent(request)
    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
    services.notifications_mark_read(actor=request.user, ids=ids or None)
    return redirect("workspace:notifications")


@login_required
@require_POST
def notification_preference(request):
    _require_agent(request)
    wanted = request.POST.get("daily_digest") == "1"
    services.digest_preference_set(actor=request.user, user=request.user, daily_digest=wanted)
    messages.success(
        request,
        _("Vous recevrez le résumé quotidien par courriel.")
        if wanted
        else _("Vous ne recevrez plus le résumé quotidien par courriel."),
    )
    return redirect("workspace:notifications")


# Mail clients post the one-click unsubscribe (RFC 8058) without a CSRF token; the signed token
# in the URL is what authorises it.
@csrf_exempt
def unsubscribe(request, token: str):
    user = services.unsubscribe_user(token)
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        if not ratelimit.hit(f"unsubscribe:{ratelimit.client_ip(request)}", "30/3600").allowed:
            return render(
                request, "workspace/unsubscribe.html", {"token": token, "limited": True}, status=429
            )
        services.digest_preference_set(actor=user, user=user, daily_digest=False)
        done = True
    return render(request, "workspace/unsubscribe.html", {"done": done, "token": token})
