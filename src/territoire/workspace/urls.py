from django.urls import path

from .views import columns, datasets, indicators, officer, registers, reports

app_name = "workspace"

urlpatterns = [
    path("jeux-de-donnees/nouveau/", datasets.dataset_new, name="dataset_new"),
    path("jeux-de-donnees/<slug:slug>/fiche/", datasets.dataset_edit, name="dataset_edit"),
    path("jeux-de-donnees/<slug:slug>/colonnes/", columns.dataset_columns, name="dataset_columns"),
    path("indicateurs/", indicators.indicator_list, name="indicator_list"),
    path("indicateurs/nouveau/", indicators.indicator_new, name="indicator_new"),
    path("indicateurs/<slug:slug>/", indicators.indicator_edit, name="indicator_edit"),
    path("indicateurs/<slug:slug>/calcul/", indicators.indicator_compute, name="indicator_compute"),
    path(
        "indicateurs/<slug:slug>/publication/",
        indicators.indicator_publish,
        name="indicator_publish",
    ),
    path("signalements/", reports.report_queue, name="report_queue"),
    path("signalements/<int:pk>/", reports.report_handle, name="report_handle"),
    path("signalements/<int:pk>/moderation/", reports.report_moderate, name="report_moderate"),
    path("signalements/<int:pk>/texte/", reports.report_edit_text, name="report_edit_text"),
    path("registres/", registers.register_list, name="registers"),
    path("registres/<str:kind>/nouveau/", registers.register_new, name="register_new"),
    path("registres/<str:kind>/<slug:slug>/", registers.register_edit, name="register_edit"),
    path("administration/", officer.officer_home, name="officer_home"),
    path("administration/relecture/", officer.officer_review_rules, name="officer_review_rules"),
    path("administration/jeux-de-donnees/", officer.officer_datasets, name="officer_datasets"),
    path(
        "administration/jeux-de-donnees/<slug:slug>/relais/",
        officer.officer_assign_steward,
        name="officer_assign_steward",
    ),
    path("administration/journal/", officer.officer_audit, name="officer_audit"),
]
