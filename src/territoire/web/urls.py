from django.urls import path

from . import views
from .participation_urls import urlpatterns as participation_urls
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
    path(
        "jeux-de-donnees/<slug:slug>/demande-d-acces/",
        views.access_request_new,
        name="access_request_new",
    ),
    path("donnees-non-ouvertes/", views.access_inventory, name="access_inventory"),
    path("mes-demandes-d-acces/", views.access_requests_mine, name="access_requests_mine"),
    path(
        "mes-demandes-d-acces/<int:pk>/retrait/",
        views.access_request_withdraw,
        name="access_request_withdraw",
    ),
    path("indicateurs/", views.indicator_list, name="indicators"),
    path("indicateurs/<slug:slug>/", views.indicator_detail, name="indicator"),
    path(
        "indicateurs/<slug:slug>/comparaison/",
        views.indicator_comparison,
        name="indicator-comparison",
    ),
    path(
        "indicateurs/<slug:slug>/comparaison/carte.svg",
        views.comparison_svg,
        name="indicator-comparison-svg",
    ),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/<slug:slug>/", views.evaluation_detail, name="evaluation"),
    path("tableaux-de-bord/", views.dashboard_list, name="dashboards"),
    path("tableaux-de-bord/<slug:slug>/", views.dashboard_detail, name="dashboard"),
    path(
        "tableaux-de-bord/<slug:slug>/integration/", views.dashboard_embed, name="dashboard-embed"
    ),
    path(
        "tableaux-de-bord/<slug:slug>/blocs/<int:position>.<str:fmt>",
        views.dashboard_block,
        name="dashboard-block",
    ),
    path(
        "tableaux-de-bord/<slug:slug>/tuiles/<slug:indicator>.csv",
        views.dashboard_tile_csv,
        name="dashboard-tile-csv",
    ),
    path("services/", views.service_list, name="services"),
    path("services/<slug:organization>/<slug:service>/", views.service_detail, name="service"),
    path("territoires/<slug:kind>/<str:code>/", views.territory_detail, name="territory"),
    path("registres/", views.registers_home, name="registers"),
    path("registres/traitements/", views.processing_list, name="processing_list"),
    path("registres/traitements/<slug:slug>/", views.processing_detail, name="processing"),
    path("registres/algorithmes/", views.algorithm_list, name="algorithm_list"),
    path("registres/algorithmes/<slug:slug>/", views.algorithm_detail, name="algorithm"),
    *participation_urls,
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
