from django.urls import path

from .views import (
    columns,
    dashboard,
    datasets,
    guide,
    indicators,
    notifications,
    officer,
    participation,
    reads,
    registers,
    security,
)

app_name = "workspace"

urlpatterns = [
    path("jeux-de-donnees/nouveau/", datasets.dataset_new, name="dataset_new"),
    path("jeux-de-donnees/<slug:slug>/fiche/", datasets.dataset_edit, name="dataset_edit"),
    path("jeux-de-donnees/<slug:slug>/colonnes/", columns.dataset_columns, name="dataset_columns"),
    path("jeux-de-donnees/<slug:slug>/lectures/", reads.dataset_reads_page, name="dataset_reads"),
    path("pilotage/", dashboard.dashboard_page, name="dashboard"),
    path("obligations/", dashboard.legal_duties_page, name="legal_duties"),
    path("notifications/", notifications.notification_page, name="notifications"),
    path("notifications/lues/", notifications.notification_read, name="notifications_read"),
    path(
        "notifications/resume/",
        notifications.notification_preference,
        name="notifications_preference",
    ),
    path(
        "notifications/desabonnement/<str:token>/",
        notifications.unsubscribe,
        name="unsubscribe",
    ),
    path("guide/", guide.guide, name="guide"),
    path("guide/<slug:page>/", guide.guide, name="guide_page"),
    path("indicateurs/", indicators.indicator_list, name="indicator_list"),
    path("indicateurs/nouveau/", indicators.indicator_new, name="indicator_new"),
    path("indicateurs/<slug:slug>/", indicators.indicator_edit, name="indicator_edit"),
    path("indicateurs/<slug:slug>/calcul/", indicators.indicator_compute, name="indicator_compute"),
    path(
        "indicateurs/<slug:slug>/publication/",
        indicators.indicator_publish,
        name="indicator_publish",
    ),
    path("registres/", registers.register_list, name="registers"),
    path("registres/<str:kind>/nouveau/", registers.register_new, name="register_new"),
    path("registres/<str:kind>/<slug:slug>/", registers.register_edit, name="register_edit"),
    path("participation/", participation.home, name="participation"),
    path("participation/actions/", participation.act, name="participation_act"),
    path(
        "participation/exports/<str:kind>.<str:fmt>",
        participation.export,
        name="participation_export",
    ),
    path("participation/projets/nouveau/", participation.project_edit, name="participation_new"),
    path(
        "participation/projets/<slug:slug>/consultations/nouvelle/",
        participation.consultation_new,
        name="participation_consultation_new",
    ),
    path(
        "participation/projets/<slug:slug>/",
        participation.project_edit,
        name="participation_project",
    ),
    path("administration/", officer.officer_home, name="officer_home"),
    path("administration/relecture/", officer.officer_review_rules, name="officer_review_rules"),
    path("administration/jeux-de-donnees/", officer.officer_datasets, name="officer_datasets"),
    path(
        "administration/jeux-de-donnees/<slug:slug>/relais/",
        officer.officer_assign_steward,
        name="officer_assign_steward",
    ),
    path("administration/journal/", officer.officer_audit, name="officer_audit"),
    path("securite/", security.security, name="security"),
    path("securite/inscription/", security.security_enrol, name="security_enrol"),
    path("securite/codes-de-secours/", security.security_codes, name="security_codes"),
    path("securite/retrait/", security.security_remove, name="security_remove"),
    path(
        "securite/sessions/<int:session_id>/fermeture/",
        security.security_session_revoke,
        name="security_session_revoke",
    ),
    path(
        "securite/sessions/fermeture/",
        security.security_sessions_revoke_all,
        name="security_sessions_revoke_all",
    ),
    path("administration/comptes/", security.officer_accounts, name="officer_accounts"),
    path(
        "administration/comptes/<str:username>/",
        security.officer_account,
        name="officer_account",
    ),
    path(
        "administration/comptes/<str:username>/sessions/fermeture/",
        security.officer_account_revoke_sessions,
        name="officer_account_revoke_sessions",
    ),
    path(
        "administration/comptes/<str:username>/double-authentification/retrait/",
        security.officer_account_remove_two_factor,
        name="officer_account_remove_two_factor",
    ),
]
