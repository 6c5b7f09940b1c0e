"""The OpenAPI document is committed (docs/openapi.json); this test fails when it drifts.

Regenerate with: `territoire export_openapi > docs/openapi.json`."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders

from territoire.api.api import api
from territoire.conftest import REPO_ROOT


def test_openapi_document_is_committed_and_current():
    committed = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    current = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1")))
    assert committed == current, (
        "docs/openapi.json is out of date: run `territoire export_openapi > docs/openapi.json`"
    )


@pytest.mark.django_db
def test_docs_page_loads_swagger_ui_from_the_site_itself(client):
    """The CSP allows scripts from the site only: Swagger UI must not come from a CDN
    (browser check: web/tests/browser/test_api_docs.py)."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert finders.find("ninja/swagger-ui-bundle.js"), "collectstatic would not ship Swagger UI"
