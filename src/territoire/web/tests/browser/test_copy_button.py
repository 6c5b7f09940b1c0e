"""The « Copier » buttons of the API examples: reached and pressed with the keyboard, they copy the
example, say so on screen and in a polite live region, say plainly when copying is impossible
(and leave the text selected to copy by hand); without JavaScript there is no button at all."""

from __future__ import annotations

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


def _dataset(portal) -> str:
    return f"/jeux-de-donnees/{portal.defibrillators.slug}/"


def _tab_to(page, name: str, limit: int = 400) -> None:
    """Press Tab until the element whose accessible label is `name` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('aria-label')") == name:
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_copy_with_the_keyboard_is_shown_and_announced(open_tab, portal_data, live_server):
    tab = open_tab("fr")
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    tab.goto(_dataset(portal_data) + "?f-nom=gymnase")
    page = tab.page
    example = page.locator(".example").filter(has=page.locator("#code-curl"))
    status = example.get_by_role("status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == ""  # the live region is there, empty, before any copy

    _tab_to(page, "Copier — curl")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#code-curl').closest('.example')"
        ".querySelector('[role=status]').textContent === 'Copié'"
    )
    assert status.is_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator("#code-curl").inner_text()
    assert copied.startswith(f'curl "{live_server.url}/api/explore/v2.1/catalog/datasets/')
    assert "where=" in copied  # the table's filter is carried
    tab.screenshot("copy-button-copied", "#api")

    # the same button with the space bar copies again, and the message is written afresh
    page.keyboard.press(" ")
    page.wait_for_function(
        "() => document.querySelector('#code-curl').closest('.example')"
        ".querySelector('[role=status]').textContent === 'Copié'"
    )
    violations = tab.axe()
    assert not violations, "axe-core violations:" + format_violations({"copied": violations})
    assert not tab.console_errors, tab.console_errors


def test_a_refused_copy_says_so_and_selects_the_text(open_tab, portal_data):
    tab = open_tab("en")
    page = tab.page
    # a browser that refuses both the Clipboard API and execCommand("copy")
    page.add_init_script(
        """
        Object.defineProperty(navigator, 'clipboard', {value: {
            writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')),
        }});
        document.execCommand = () => false;
        """
    )
    tab.goto(_dataset(portal_data))
    button = page.get_by_role("button", name="Copy — Python (requests)")
    button.focus()
    page.keyboard.press("Enter")
    status = page.locator(".example").filter(has=page.locator("#code-python")).get_by_role("status")
    page.wait_for_function(
        "() => document.querySelector('#code-python').closest('.example')"
        ".querySelector('[role=status]').textContent.startsWith('Could not copy')"
    )
    assert "select" in status.inner_text() and status.is_visible()
    selected = page.evaluate("() => window.getSelection().toString()")
    assert selected == page.locator("#code-python").inner_text()
    tab.screenshot("copy-button-refused", "#api")
    violations = tab.axe()
    assert not violations, "axe-core violations:" + format_violations({"refused": violations})


def test_without_javascript_there_is_no_button_and_the_text_is_selectable(open_tab, portal_data):
    tab = open_tab("fr", javascript=False)
    tab.goto(_dataset(portal_data))
    page = tab.page
    assert page.locator(".example").count() >= 4
    assert page.get_by_role("button", name="Copier").count() == 0
    assert page.locator(".copy-button, .copy-status").count() == 0
    assert page.locator("#code-curl").evaluate("el => getComputedStyle(el).userSelect") != "none"
    page.locator("#code-curl").select_text()
    assert page.evaluate("() => window.getSelection().toString()").startswith("curl ")
