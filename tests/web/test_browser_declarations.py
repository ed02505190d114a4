"""A reviewer signs a competition's impartiality declaration on a phone (390 px wide) in a real
browser, before opening the review assigned to them."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.models import ImpartialityDeclaration
from certify.core.extensions import db
from tests.support import BROWSER_MARKS, assert_accessible

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
    page.goto(f"{live_server}/login")
    page.fill("#email", reviewer.email)
    page.fill("#password", reviewer.password)
    page.click("main button[type=submit]")

    page.goto(f"{live_server}/reviews/")
    page.click("text=Sign the declaration for this competition first")
    assert page.url.startswith(f"{live_server}/competitions/{competition_id}/declaration")
    assert "Confidentiality and impartiality declaration" in page.content()
    assert_accessible(page, "declaration-1-sign-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Unticked box and a wrong name: shown again with both problems, the name kept.
    page.fill("#full_name", "N. Abenov")
    page.click("main button[type=submit]")
    assert "Tick the box to confirm" in page.content()
    assert page.input_value("#full_name") == "N. Abenov"
    assert_accessible(page, "declaration-2-refused-390")

    page.check("#agree")
    page.fill("#full_name", "nurlan abenov")
    page.click("main button[type=submit]")
    assert page.url == f"{live_server}/reviews/{review_id}"
    assert "Declaration signed." in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    assert in_app(lambda: db.session.scalar(sa.select(ImpartialityDeclaration.signed_name).where(
        ImpartialityDeclaration.user_id == reviewer.id))) == "nurlan abenov"
