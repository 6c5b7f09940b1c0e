"""The API's interactive documentation (/api/v1/docs) under the site's Content-Security-Policy:
Swagger UI comes from the site's own static files (django-ninja's copy), not from a CDN that
`script-src 'self'` would block, leaving a blank page."""

from __future__ import annotations

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


def test_swagger_ui_renders_the_operations_under_the_csp(open_tab, live_server):
    tab = open_tab("fr")
    requested: list[str] = []
    tab.page.on("request", lambda request: requested.append(request.url))
    response = tab.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tab.page.locator("#swagger-ui .info .title").wait_for(timeout=15_000)
    assert "Territoire API" in tab.page.locator("#swagger-ui .info .title").inner_text()
    # the operations of the committed OpenAPI document are listed, e.g. the datasets list
    tab.page.locator(".opblock-summary-path", has_text="/api/v1/datasets").first.wait_for()
    assert tab.page.locator(".opblock").count() > 10
    assert not tab.csp_violations(), tab.csp_violations()
    assert not tab.console_errors, tab.console_errors
    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert not outside, f"the documentation loaded files from elsewhere: {outside}"
    tab.screenshot("api-docs")
