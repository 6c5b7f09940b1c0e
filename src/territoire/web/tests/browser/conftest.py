"""Real-browser harness: Playwright's Python API driving Debian's Chromium against `live_server`.

Nothing is downloaded while testing: Chromium is the system one (`make browser-deps` installs it
from Debian's packages when /usr/bin/chromium is missing) and axe-core is vendored in `vendor/`.
The portal's Content-Security-Policy stays on for every check: axe is handed to the page from the
page's own origin by a Playwright route, so `script-src 'self'` accepts it and `bypass_csp` is not
needed. Screenshots go to `test-artifacts/screenshots/` (gitignored): look at them.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from territoire.conftest import REPO_ROOT

# pytest-django's live server binds 127.0.0.1 (not whatever "localhost" resolves to first).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path(os.environ.get("TERRITOIRE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_FILE = VENDOR / "axe.min.js"
# Served by a route to the page under test, from the page's own origin (never reaches Django).
AXE_PATH = "/__browser-tests__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = Path(os.environ.get("TERRITOIRE_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
PASSWORD = "un mot de passe solide 42"  # the shared fixtures' password

# Every browser test needs the live server's database to see the test's rows (transaction=True);
# serialized_rollback makes pytest-django keep a copy of what migrations loaded (EU themes…), which
# `reference_rows` puts back before each test since every transactional test ends with a flush.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="package")
def migrated_rows(django_db_setup) -> str | None:
    """The rows migrations loaded, as pytest-django serialized them at database set-up.

    Read before Playwright starts: while its event loop runs, Django hands this thread other
    connection objects (asgiref's per-loop storage), which lack the serialized copy."""
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", None)


@pytest.fixture
def reference_rows(transactional_db, migrated_rows) -> None:
    """Put back what migrations loaded (EU themes…) if an earlier transactional test flushed it.

    Only tables left empty are refilled: the flush's post_migrate signal recreates content types and
    permissions itself (under new keys), and reinserting the old ones would collide."""
    from django.core import serializers

    if not migrated_rows:
        return
    empty: dict[type, bool] = {}
    for item in serializers.deserialize("json", migrated_rows):
        model = type(item.object)
        if model not in empty:
            empty[model] = not model._default_manager.exists()
        if empty[model]:
            item.save()


@pytest.fixture(scope="package")
def chromium(migrated_rows) -> Iterator:
    """One Chromium for the browser tests, stopped after them so that no event loop outlives them."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium), "
            "or point TERRITOIRE_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # The sync API keeps an asyncio loop "running" in this thread; the ORM calls the fixtures
        # make from this thread are deliberate and synchronous.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()


class Tab:
    """One page in its own browser context, with what the console said about it."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.base_url = base_url
        self.page = context.new_page()
        self.console_errors: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def goto(self, path: str, *, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, (
            f"GET {path}: {response.status if response else 'no response'}, expected {status}"
        )
        return response

    def submit(self, button: str = "main form button[type=submit]") -> None:
        """Click a form's submit button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(button).first.click()

    def login(self, user) -> None:
        """Sign in through the login form, as ``user`` (an account or its username), with the
        tests' password."""
        self.goto("/connexion/")
        self.page.locator("#id_username").fill(getattr(user, "username", user))
        self.page.locator("#id_password").fill(PASSWORD)
        self.submit()

    def csp_violations(self) -> list[str]:
        return [e for e in self.console_errors if "Content Security Policy" in e]

    def axe(self) -> list[dict]:
        """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; return its violations."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=AXE_PATH)
        return self.page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {
                    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                });
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({
                        target: n.target.join(' '), html: n.html, summary: n.failureSummary,
                    })),
                }));
            }""",
            WCAG_TAGS,
        )

    def screenshot(self, name: str, selector: str | None = None) -> Path:
        """The whole page, or one element of it (a full-page capture loses the keyboard focus)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        if selector:
            self.page.locator(selector).screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_tab(chromium, live_server, reference_rows) -> Iterator[Callable[..., Tab]]:
    """open_tab(lang="fr", viewport=DESKTOP, javascript=True) -> Tab, closed after the test.

    The language comes from the browser's locale (Accept-Language), as for a real visitor."""
    contexts = []

    def open_(lang: str = "fr", *, viewport: dict = DESKTOP, javascript: bool = True) -> Tab:
        context = chromium.new_context(
            locale=LOCALES[lang], viewport=viewport, java_script_enabled=javascript
        )
        context.route(
            f"**{AXE_PATH}",
            lambda route: route.fulfill(path=AXE_FILE, content_type="text/javascript"),
        )
        contexts.append(context)
        return Tab(context, live_server.url)

    yield open_
    for context in contexts:
        context.close()
    _wait_for_requests_in_flight()


def _wait_for_requests_in_flight(seconds: float = 10.0) -> None:
    """Let the live server finish the requests a closed page left running (a chart's or a
    map's fetch) before the test's database is flushed: on SQLite a request still reading a
    table made the flush fail ("database table is locked") and the next test's set-up with it.
    The live server answers each request in a thread of its own, named after its target."""
    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name and thread is not threading.current_thread():
            thread.join(max(deadline - time.monotonic(), 0.0))


def format_violations(violations_by_page: dict[str, list[dict]]) -> str:
    """axe-core's findings, one block per page and rule, readable in a terminal."""
    lines = []
    for page, violations in violations_by_page.items():
        for v in violations:
            lines.append(f"\n{page}: [{v['impact']}] {v['id']} — {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:8]:
                lines.append(f"    at {node['target']}: {node['html'][:160]}")
                for summary_line in (node["summary"] or "").splitlines():
                    lines.append(f"        {summary_line}")
            if len(v["nodes"]) > 8:
                lines.append(f"    … and {len(v['nodes']) - 8} more elements")
    return "\n".join(lines)


@pytest.fixture
def portal(reference_rows, montpellier, make_dataset, data_officer):
    """The demo territory with a few datasets as the portal shows them (three public, one internal)."""
    from territoire.catalog import services as catalog_services
    from territoire.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="34172")
    budget = make_dataset(
        "Budget primitif 2025",
        publish=True,
        description=(
            "Budget primitif de la Ville de Montpellier, par chapitre et par article.\n\n"
            "Montants en euros, votés en conseil municipal."
        ),
        themes=["ECON", "GOVE"],
        keywords=["budget", "finances publiques"],
        territories=[commune],
        frequency="ANNUAL",
        contact_name="Direction des finances",
        contact_email="finances@example.fr",
    )
    catalog_services.distribution_create(
        actor=data_officer,
        dataset=budget,
        title="Budget primitif 2025 (CSV)",
        format="csv",
        download_url="https://data.example.fr/budget-primitif-2025.csv",
    )
    defibrillators = make_dataset(
        "Défibrillateurs automatisés externes",
        publish=True,
        description="Emplacements des défibrillateurs (DAE) accessibles au public.",
        themes=["HEAL"],
        territories=[montpellier],
        frequency="MONTHLY",
    )
    parking = make_dataset(
        "Stationnement vélo",
        publish=True,
        description="Arceaux et abris vélos de la métropole.",
        themes=["TRAN"],
        territories=[montpellier],
    )
    internal = make_dataset("Compteurs d'eau internes", access_level="internal")
    return SimpleNamespace(
        epci=montpellier,
        commune=commune,
        budget=budget,
        defibrillators=defibrillators,
        parking=parking,
        internal=internal,
        data_officer=data_officer,
    )


@pytest.fixture
def portal_data(portal, home, defib_csv, budget_csv):
    """The portal with real records: Montpellier's defibrillators and 2014 budget in the lake."""
    from territoire.catalog import services as catalog_services
    from territoire.conftest import publish_real_file

    officer = portal.data_officer
    for dataset, path in ((portal.defibrillators, defib_csv), (portal.budget, budget_csv)):
        catalog_services.dataset_unpublish(actor=officer, dataset=dataset)
        publish_real_file(officer, dataset, path)
    return portal


def focused(page) -> dict:
    """What has the keyboard focus, and how it is drawn."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: 'body'};
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(), id: el.id,
                key: el.dataset.browserTestKey || null,
                text: (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 80),
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                outlineColor: style.outlineColor, boxShadow: style.boxShadow,
                visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
                    && box.left < window.innerWidth,
            };
        }"""
    )


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
