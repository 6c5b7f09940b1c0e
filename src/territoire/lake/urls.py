from django.urls import path

from . import views

app_name = "lake"

urlpatterns = [
    path("", views.home, name="home"),
    path("jeux-de-donnees/<slug:slug>/", views.dataset_page, name="dataset"),
    path("jeux-de-donnees/<slug:slug>/depot/", views.upload, name="upload"),
    path("jeux-de-donnees/<slug:slug>/types/", views.type_overrides, name="types"),
    path("jeux-de-donnees/<slug:slug>/reglages/", views.lake_settings, name="settings"),
    path("jeux-de-donnees/<slug:slug>/publication/", views.publication, name="publication"),
    path("jeux-de-donnees/<slug:slug>/decision/", views.decision, name="decision"),
    path("jeux-de-donnees/<slug:slug>/versions/<int:number>/", views.version_page, name="version"),
    path("jeux-de-donnees/<slug:slug>/comparer/", views.compare_page, name="compare"),
    path("taches/<int:job_id>/", views.job_page, name="job"),
]
