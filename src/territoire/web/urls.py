from django.urls import path

from . import views
from .views import reports

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("jeux-de-donnees/", views.dataset_list, name="datasets"),
    path("jeux-de-donnees/<slug:slug>/", views.dataset_detail, name="dataset"),
    path(
        "jeux-de-donnees/<slug:slug>/fichier-d-origine/",
        views.dataset_source_file,
        name="dataset-source",
    ),
    path(
        "jeux-de-donnees/<slug:slug>/fichiers/<int:pk>/",
        views.distribution_file,
        name="distribution-file",
    ),
    path("indicateurs/", views.indicator_list, name="indicators"),
    path("indicateurs/<slug:slug>/", views.indicator_detail, name="indicator"),
    path("services/", views.service_list, name="services"),
    path("services/<slug:organization>/<slug:service>/", views.service_detail, name="service"),
    path("territoires/<slug:kind>/<str:code>/", views.territory_detail, name="territory"),
    path("registres/", views.registers_home, name="registers"),
    path("registres/traitements/", views.processing_list, name="processing_list"),
    path("registres/traitements/<slug:slug>/", views.processing_detail, name="processing"),
    path("registres/algorithmes/", views.algorithm_list, name="algorithm_list"),
    path("registres/algorithmes/<slug:slug>/", views.algorithm_detail, name="algorithm"),
    path("signalements/", reports.report_list, name="reports"),
    path("signalements/nouveau/", reports.report_new, name="report_new"),
    path("signalements/carte.svg", reports.report_picker_image, name="report_picker_image"),
    path("signalements/<int:pk>/", reports.report_detail, name="report"),
    path("signalements/<int:pk>/photo/", reports.report_photo, name="report_photo"),
    path("signalements/<int:pk>/suivre/", reports.report_follow, name="report_follow"),
    path("signalements/<int:pk>/abus/", reports.report_flag, name="report_flag"),
    path(
        "signalements/desabonnement/<str:token>/",
        reports.report_unsubscribe,
        name="report_unsubscribe",
    ),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
]
