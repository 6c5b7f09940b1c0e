"""The other side of participation in a real browser: a citizen asks the service a question and
reports an abusive comment; the service's agent answers the question and gives the proposal its
official answer from the staff workspace; the moderator hides the comment; the citizen then reads
the answers and no longer sees the comment. axe-core finds nothing on the staff page after each
step, in French and English."""

# Fixtures imported from the citizen's journey are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations
from .test_participation import participation  # noqa: F401 - fixture

pytestmark = BROWSER_TEST

ABUSE = "Ce quartier est peuplé d'imbéciles."


@pytest.fixture
def abusive_comment(participation):
    from territoire.accounts.models import User
    from territoire.participation import services

    _, _, theirs = participation
    return services.comment_add(
        actor=User.objects.get(username="voisin"), proposal=theirs, text=ABUSE
    )


def _in_section(tab, section: str) -> str:
    return tab.page.locator(f"section[aria-labelledby={section}]").inner_text()


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_steward_answers_and_moderator_hides(
    open_tab, participation, abusive_comment, citizen, agent, data_officer, lang
):
    project, _, theirs = participation
    english = lang == "en"

    # The citizen asks a public question and reports the abusive comment.
    tab = open_tab(lang)
    tab.login(citizen.username)
    tab.goto(f"/projets/{project.slug}/")
    tab.page.get_by_label("Your question" if english else "Votre question").fill(
        "Les appareils seront-ils accessibles la nuit ?"
    )
    tab.submit("form[action$='/questions/'] button[type=submit]")
    assert "accessibles la nuit" in _in_section(tab, "questions")
    tab.goto(f"/participer/signaler/comment/{abusive_comment.pk}/")
    tab.page.locator("#id_reason").fill("Propos insultants envers les habitants.")
    tab.submit()

    # The agent of the project's service answers both from the workspace.
    staff = open_tab(lang)
    staff.login(agent.username)
    staff.goto("/espace/participation/")
    found = {"workspace (agent)": staff.axe()}
    staff.screenshot(f"participation-staff-queue-{lang}")
    question = staff.page.locator("section[aria-labelledby=questions] form").first
    question.locator("textarea[name=answer]").fill(
        "Oui : les boîtiers extérieurs sont accessibles jour et nuit."
    )
    with staff.page.expect_navigation():
        question.locator("button[type=submit]").click()
    proposal = staff.page.locator(
        f"section[aria-labelledby=propositions] form:has(input[name=id][value='{theirs.pk}'])"
    )
    proposal.locator("select[name=status]").select_option("accepted")
    proposal.locator("textarea[name=answer]").fill("Installé au marché avant l'été.")
    with staff.page.expect_navigation():
        proposal.locator("button[type=submit]").click()
    assert staff.page.locator("section[aria-labelledby=propositions] form").count() == 0
    found["workspace after answers"] = staff.axe()

    # The moderator (the data officer) hides the reported comment, with a logged reason.
    moderator = open_tab(lang)
    moderator.login(data_officer.username)
    moderator.goto("/espace/participation/")
    item = moderator.page.locator(
        f"section[aria-labelledby=moderation] form:has(input[name=id][value='{abusive_comment.pk}'])"
    )
    assert ABUSE in item.locator("textarea[name=text]").input_value()
    item.locator("input[name=reason]").fill("Insulte (charte de participation, art. 3)")
    with moderator.page.expect_navigation():
        item.locator("button[value=hide]").click()
    assert "Insulte (charte" in _in_section(moderator, "moderation")
    found["workspace after moderation"] = moderator.axe()
    moderator.screenshot(f"participation-moderation-{lang}")

    # The citizen reads the answers; the comment is gone from the public page.
    tab.goto(f"/projets/{project.slug}/")
    assert "jour et nuit" in _in_section(tab, "questions")
    tab.goto(f"/propositions/{theirs.pk}/")
    page_text = tab.page.locator("main").inner_text()
    assert "Installé au marché avant l'été." in page_text
    assert ABUSE not in page_text
    found["proposal after answer"] = tab.axe()
    tab.screenshot(f"participation-answered-{lang}")

    from territoire.participation.models import Comment, Proposal

    assert Proposal.objects.get(pk=theirs.pk).status == "accepted"
    assert Comment.objects.get(pk=abusive_comment.pk).is_hidden
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
