"""A reviewer signs a competition's impartiality declaration on a phone (390 px wide) in a real
browser, before opening the review assigned to them."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from assessments.models import ImpartialityDeclaration
from certify.core.extensions import db
from tests.support import BROWSER_MARKS, assert_accessible, browser_log_in

pytestmark = BROWSER_MARKS


def test_reviewer_signs_the_declaration_on_a_phone(live_server, browser, create_user,
                                                   create_competition, workflow, in_app):
    admin = create_user("admin")
    reviewer = create_user("reviewer", signs=False, full_name="Nurlan Abenov")
    competition_id = create_competition()
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    review_id = workflow.assign(application_id, reviewer, admin)

    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, reviewer)

    page.goto(f"{live_server}/reviews/")
    page.click("text=Sign the declaration for this competition first")
    declaration = f"{live_server}/competitions/{competition_id}/declaration"
    expect(page).to_have_url(re.compile(re.escape(declaration)))
    assert "Confidentiality and impartiality declaration" in page.content()
    assert_accessible(page, "declaration-1-sign-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Unticked box and a wrong name: shown again with both problems, the name kept.
    page.fill("#full_name", "N. Abenov")
    page.click("main button[type=submit]")
    expect(page.locator("body")).to_contain_text("Tick the box to confirm")
    assert page.input_value("#full_name") == "N. Abenov"
    assert_accessible(page, "declaration-2-refused-390")

    page.check("#agree")
    page.fill("#full_name", "nurlan abenov")
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server}/reviews/{review_id}")
    assert "Declaration signed." in page.content()
    # Measured as a reader sees it, once the page has loaded, not as soon as the URL changed
    # (once, on a busy CI machine, 398 px: most likely before its stylesheet applied).
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    assert in_app(lambda: db.session.scalar(sa.select(ImpartialityDeclaration.signed_name).where(
        ImpartialityDeclaration.user_id == reviewer.id))) == "nurlan abenov"
