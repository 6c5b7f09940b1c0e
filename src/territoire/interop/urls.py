"""Routes of the three front-ends. Trailing slashes are accepted as such: never a redirect (CKAN
clients post JSON, and a redirected POST loses its body)."""

from django.urls import path, re_path

from .ckan import views as ckan
from .dcat import views as dcat
from .ods import catalog_views as ods_catalog
from .ods import records_views as ods_records

ODS = r"^api/explore/v2\.1/catalog/"
DATASET = ODS + r"datasets/(?P<dataset_id>[^/]+)"

urlpatterns = [
    path("catalogue", dcat.catalogue, name="dcat-catalogue"),
    re_path(r"^catalogue\.(?P<ext>ttl|jsonld|rdf)$", dcat.catalogue, name="dcat-catalogue-format"),
    re_path(r"^api/(?P<version>3)/?$", ckan.api_root, name="ckan-root"),
    re_path(r"^api/(?:3/)?action/(?P<name>[A-Za-z0-9_]+)/?$", ckan.action, name="ckan-action"),
    re_path(ODS + r"datasets/?$", ods_catalog.dataset_list, name="ods-datasets"),
    re_path(ODS + r"facets/?$", ods_catalog.catalog_facets, name="ods-catalog-facets"),
    re_path(DATASET + r"/?$", ods_catalog.dataset_detail, name="ods-dataset"),
    re_path(DATASET + r"/records/?$", ods_records.record_list, name="ods-records"),
    re_path(DATASET + r"/facets/?$", ods_records.facets, name="ods-facets"),
    re_path(DATASET + r"/exports/?$", ods_records.export_list, name="ods-exports"),
    re_path(DATASET + r"/exports/(?P<fmt>[a-z0-9]+)/?$", ods_records.export, name="ods-export"),
]
