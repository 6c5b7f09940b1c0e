from django.urls import path

from .views import columns, datasets

app_name = "workspace"

urlpatterns = [
    path("jeux-de-donnees/nouveau/", datasets.dataset_new, name="dataset_new"),
    path("jeux-de-donnees/<slug:slug>/fiche/", datasets.dataset_edit, name="dataset_edit"),
    path("jeux-de-donnees/<slug:slug>/colonnes/", columns.dataset_columns, name="dataset_columns"),
]
