"""The participant's pages: sign-up, e-mail confirmation, their space (residency badge,
notifications, data download, account deletion), the privacy page, unsubscribe, reporting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from territoire.core import ratelimit
from territoire.core.errors import NotFound, TerritoireError
from territoire.participation import selectors, services

from ..participation_forms import (
    DeleteAccountForm,
    NotificationForm,
    ProfileForm,
    ReportForm,
    ResidencyForm,
    SignupForm,
)


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_signup(
                email=form.cleaned_data["email"], pseudonym=form.cleaned_data["pseudonym"],
                password=form.cleaned_data["password"], honeypot=form.cleaned_data["website"],
                address=ratelimit.client_bucket(request),
            )  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            login(request, participant.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Compte créé. Un courriel vient de vous être envoyé : "
                                        "suivez son lien pour confirmer votre adresse."))  # fmt: skip
            return redirect("web:participant_account")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/participation/signup.html", {"form": form}, status=status)


def confirm(request, token: str):
    try:
        participant = services.participant_confirm(token=token)
    except TerritoireError as exc:
        return render(request, "web/participation/message.html",
                      {"title": _("Lien non valide"), "text": exc.localized()}, status=400)  # fmt: skip
    messages.success(request, _("Adresse confirmée, %(name)s : vous pouvez participer.")
                     % {"name": participant.pseudonym})  # fmt: skip
    return redirect("web:participation")


@csrf_exempt  # the signed token is the credential: mail clients POST it without a form (RFC 8058)
def unsubscribe(request, token: str):
    """One click (GET, or the POST of List-Unsubscribe-Post) and no more e-mail."""
    try:
        services.participant_unsubscribe(token=token)
    except TerritoireError as exc:
        return render(request, "web/participation/message.html",
                      {"title": _("Lien non valide"), "text": exc.localized()}, status=400)  # fmt: skip
    return render(request, "web/participation/message.html", {
        "title": _("Vous ne recevrez plus de courriels"),
        "text": _("Vous pouvez les réactiver dans votre espace participant."),
    })  # fmt: skip


def _participant_or_404(request):
    participant = selectors.participant_of(request.user)
    if participant is None:
        raise Http404
    return participant


def _profile_new(request):
    """An account without a participant profile chooses a pseudonym first."""
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_profile_create(user=request.user,
                                                pseudonym=form.cleaned_data["pseudonym"],
                                                honeypot=form.cleaned_data["website"])  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Profil créé. Suivez le lien du courriel reçu pour "
                                        "confirmer votre adresse."))  # fmt: skip
            return redirect("web:participant_account")
    return render(request, "web/participation/profile_new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


@login_required
def account(request):
    if selectors.participant_of(request.user) is None:
        return _profile_new(request)
    participant = _participant_or_404(request)
    residency = ResidencyForm(prefix="residency")
    notifications = NotificationForm(
        prefix="notifications", initial={"notification_mode": participant.notification_mode}
    )
    status = 200
    if request.method == "POST":
        try:
            if "residency-postal_code" in request.POST:
                residency = ResidencyForm(request.POST, prefix="residency")
                if residency.is_valid():
                    services.residency_verify(participant=participant, **residency.cleaned_data)
                    messages.success(request, _("Résidence vérifiée : le badge est affiché."))
                    return redirect("web:participant_account")
            elif "resend" in request.POST:
                services.participant_resend_confirmation(participant=participant)
                messages.success(request, _("Un nouveau lien de confirmation vous a été envoyé."))
                return redirect("web:participant_account")
            else:
                notifications = NotificationForm(request.POST, prefix="notifications")
                if notifications.is_valid():
                    services.participant_set_notifications(
                        participant=participant,
                        mode=notifications.cleaned_data["notification_mode"],
                    )
                    messages.success(request, _("Préférences enregistrées."))
                    return redirect("web:participant_account")
        except TerritoireError as exc:
            residency.refuse(exc) if residency.is_bound else messages.error(
                request, exc.localized()
            )
        status = 400
    return render(request, "web/participation/account.html", {
        "participant": participant, "residency_form": residency,
        "notification_form": notifications, "delete_form": DeleteAccountForm(),
    }, status=status)  # fmt: skip


@login_required
def export(request):
    participant = _participant_or_404(request)
    body = services.participant_export(participant=participant)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-participation.json"'
    return response


@login_required
def delete(request):
    participant = _participant_or_404(request)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_delete(participant=participant,
                                        password=form.cleaned_data["password"])  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            logout(request)
            return render(request, "web/participation/message.html", {
                "title": _("Compte supprimé"),
                "text": _("Votre compte et votre profil sont supprimés ; vos contributions "
                          "restent, sans votre nom."),
            })  # fmt: skip
    return render(request, "web/participation/delete.html", {"form": form},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


def privacy(request):
    return render(request, "web/participation/privacy.html")


@login_required
def report_content(request, kind: str, pk: int):
    try:
        content = selectors.content_get_for_actor(request.user, kind, pk)
    except NotFound:
        raise Http404 from None
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.content_report(actor=request.user, kind=kind, object_id=pk,
                                    reason=form.cleaned_data["reason"],
                                    address=ratelimit.client_bucket(request))  # fmt: skip
        except TerritoireError as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("Merci : la modération examinera ce signalement."))
            return redirect("web:participation")
    return render(request, "web/participation/report.html",
                  {"form": form, "content": content, "kind": kind},
                  status=400 if request.method == "POST" else 200)  # fmt: skip
