"""The portal with the keyboard alone: skip link first, everything reachable, focus always visible."""

from __future__ import annotations

from .conftest import BROWSER_TEST, PASSWORD, dump, focused

pytestmark = BROWSER_TEST

# What a keyboard user can reach: links, buttons, fields, and anything given a positive tabindex.
MARK_INTERACTIVE = """() => {
    const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
        + ' select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
    const elements = [...document.querySelectorAll(selector)]
        .filter(el => el.checkVisibility({visibilityProperty: true}));
    elements.forEach((el, i) => { el.dataset.browserTestKey = String(i); });
    return elements.map(el => ({
        key: el.dataset.browserTestKey, tag: el.tagName.toLowerCase(),
        text: (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 60),
    }));
}"""


def _outline_is_visible(info: dict) -> bool:
    return (info["outlineStyle"] != "none" and info["outlineWidth"] >= 2) or (
        info["boxShadow"] not in ("", "none")
    )


def test_skip_link_comes_first_and_moves_focus_to_the_content(open_tab, portal):
    tab = open_tab("fr")
    tab.goto("/")
    tab.page.keyboard.press("Tab")
    first = focused(tab.page)
    assert first["tag"] == "a" and first["text"] == "Aller au contenu", dump(first)
    assert first["visible"] and _outline_is_visible(first), dump(first)
    tab.screenshot("keyboard-skip-link-fr", ".site-header")
    tab.page.keyboard.press("Enter")
    assert focused(tab.page)["id"] == "contenu"
    # the next Tab continues inside the content, not back in the header
    tab.page.keyboard.press("Tab")
    inside_main = tab.page.evaluate("() => document.activeElement.closest('main') !== null")
    assert inside_main, dump(focused(tab.page))


def test_every_interactive_element_of_the_home_page_is_reachable_with_visible_focus(
    open_tab, portal
):
    tab = open_tab("fr")
    tab.goto("/")
    interactive = tab.page.evaluate(MARK_INTERACTIVE)
    assert len(interactive) > 60  # header, 31 map shapes, 31 communes in the table, cards, footer

    reached: list[str] = []
    badly_drawn: list[dict] = []
    for _ in range(len(interactive) + 5):
        tab.page.keyboard.press("Tab")
        info = focused(tab.page)
        if info["tag"] == "body" or info["key"] in reached:
            break  # past the last element, focus leaves the page or wraps around
        reached.append(info["key"])
        if not (info["visible"] and _outline_is_visible(info)):
            badly_drawn.append(info)
        if info["text"] == "Montpellier" and len(reached) < 40:  # the map's shape, not the table
            tab.screenshot("keyboard-focus-on-the-map-fr", ".territory-map")

    missing = [el for el in interactive if el["key"] not in reached]
    assert not missing, "not reachable with Tab: " + dump(missing)
    assert reached == sorted(reached, key=int), "Tab order differs from the reading order"
    assert not badly_drawn, "focus not visible on: " + dump(badly_drawn)


def test_login_with_the_keyboard_alone(open_tab, portal):
    tab = open_tab("fr")
    tab.goto("/")
    keyboard = tab.page.keyboard
    for _ in range(15):
        keyboard.press("Tab")
        if focused(tab.page)["text"] == "Se connecter":
            break
    else:
        raise AssertionError("the login link is not reachable with Tab")
    with tab.page.expect_navigation():
        keyboard.press("Enter")
    # Django's login form gives the user-name field the focus on arrival (autofocus applies
    # once the page is parsed: wait for it rather than race it)
    tab.page.wait_for_function("document.activeElement?.id === 'id_username'", timeout=5000)
    assert focused(tab.page)["id"] == "id_username"
    keyboard.type(portal.data_officer.username)
    keyboard.press("Tab")
    assert focused(tab.page)["id"] == "id_password"
    keyboard.type("not the password")
    with tab.page.expect_navigation():
        keyboard.press("Enter")
    assert tab.page.get_by_role("alert").inner_text().startswith("Saisissez un nom")
    # after an error the fields keep their order; the password is typed again
    keyboard.press("Tab")
    while focused(tab.page)["id"] != "id_password":
        keyboard.press("Tab")
    keyboard.type(PASSWORD)
    with tab.page.expect_navigation():
        keyboard.press("Enter")
    assert tab.page.url == tab.base_url + "/"
    logout = tab.page.get_by_role("button", name="Se déconnecter")
    assert "officer" in logout.inner_text()


def test_switch_to_english_with_the_keyboard(open_tab, portal):
    tab = open_tab("fr")
    tab.goto(f"/territoires/communes/{portal.commune.code}/")
    for _ in range(30):
        tab.page.keyboard.press("Tab")
        if focused(tab.page)["text"] == "English":
            break
    else:
        raise AssertionError("the English switch is not reachable with Tab")
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    # the same page, now in English, and English is remembered for the next pages
    assert tab.page.url == tab.base_url + f"/territoires/communes/{portal.commune.code}/"
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.page.keyboard.press("Tab")
    assert focused(tab.page)["text"] == "Skip to content"
    tab.goto("/")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert tab.page.get_by_role("button", name="Français").count() == 1
