"""A reviewer is sent to the competition's calibration before their first review, scores the
exemplar, sees how far they are from the reference panel and goes on to the review form."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from assessments.calibration.models import Calibration
from assessments.models import Competition
from certify.core.extensions import db
from certify.users.models import User
from tests.support import BROWSER_MARKS, assert_accessible, browser_log_in, make_exemplar

pytestmark = BROWSER_MARKS


def test_reviewer_calibrates_before_the_first_review(live_server, browser, create_user,
                                                     create_competition, workflow, in_app):
    admin = create_user("admin")
    reviewer = create_user("reviewer")
    competition_id = create_competition()

    def ask_for_calibration():
        competition = db.session.get(Competition, competition_id)
        competition.requires_calibration = True
        make_exemplar(competition, db.session.get(User, admin.id), references=[2, 3, 1])

    in_app(ask_for_calibration)
    review_id = workflow.assign(workflow.submitted(competition_id, create_user("candidate")),
                                reviewer, admin)

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, reviewer)

    page.goto(f"{live_server}/reviews/{review_id}")
    assert page.url.startswith(f"{live_server}/competitions/{competition_id}/calibration")
    assert page.get_by_role("heading", level=1).inner_text() == "Calibration: Test call"
    assert "Exemplar on C1" in page.content()
    assert_accessible(page, "calibration-1-exemplar")

    for code, value in (("C1", 3), ("C2", 3), ("C3", 2)):
        box = page.get_by_role("group", name=f"{code}. Criterion {code}", exact=True)
        box.get_by_role("radio", name=re.compile(rf"^{value} — L{value}\b")).check()
    page.get_by_role("button", name="Submit and compare").click()

    assert "Calibration recorded." in page.content()
    rows = page.locator("table.calibration-result tbody tr")
    assert [rows.nth(i).locator("td").nth(3).inner_text() for i in range(3)] == [
        "+1.0", "0.0", "+1.0"]
    assert "Mean absolute difference: 0.67 levels" in page.content()
    assert_accessible(page, "calibration-2-comparison")

    page.get_by_role("link", name="Continue to your reviews").click()
    expect(page).to_have_url(f"{live_server}/reviews/{review_id}")
    assert page.get_by_role("button", name="Submit review").is_visible()
    assert errors == []
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Calibration.id)))) == 1
