from django.contrib.auth import views as auth_views
from django.urls import path

from .views import LoginView, LogoutView, PasswordChangeView, PasswordResetView, login_verify

urlpatterns = [
    path("connexion/", LoginView.as_view(), name="login"),
    path("connexion/verification/", login_verify, name="login_verify"),
    path("deconnexion/", LogoutView.as_view(), name="logout"),
    path("mot-de-passe/changer/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("mot-de-passe/oubli/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
