"""Open311 GeoReport v2 under /open311/v2/ (included from the project's urls)."""

from django.urls import re_path

from .open311 import views

app_name = "open311"

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", views.service_list, name="services"),
    re_path(
        rf"^services/(?P<code>[A-Za-z0-9_-]{{1,60}})\.{FMT}$",
        views.service_definition,
        name="service",
    ),  # fmt: skip
    re_path(rf"^requests\.{FMT}$", views.requests, name="requests"),
    re_path(rf"^requests/(?P<pk>[0-9]{{1,11}})\.{FMT}$", views.request_detail, name="request"),
]
