"""The OpenAPI document is committed (docs/openapi.json); this test fails when it drifts.

Regenerate with: `territoire export_openapi > docs/openapi.json`."""

from __future__ import annotations

import json

from territoire.api.api import api
from territoire.conftest import REPO_ROOT


def test_openapi_document_is_committed_and_current():
    committed = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    current = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1")))
    assert committed == current, (
        "docs/openapi.json is out of date: run `territoire export_openapi > docs/openapi.json`"
    )
