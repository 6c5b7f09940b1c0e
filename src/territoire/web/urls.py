from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("jeux-de-donnees/", views.dataset_list, name="datasets"),
    path("jeux-de-donnees/<slug:slug>/", views.dataset_detail, name="dataset"),
    path("territoires/<slug:kind>/<str:code>/", views.territory_detail, name="territory"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
]
