"""A reviewer's credential in a real browser (issue 19): the administrator issues it from the
closed competition's page, the reviewer finds it on their certificates page, and anyone
verifies it on its public page -- each page at desk and phone width, in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments.models import Competition
from assessments.states import CompetitionState
from certify.core.extensions import db
from tests.support import BROWSER_MARKS, assert_accessible
from tests.support.journeys import open_page, sign_in

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("journey", ["en"], indirect=True)
def test_admin_issues_reviewer_sees_public_verifies(journey, browser, create_user,
                                                    create_competition, workflow, in_app):
    admin = create_user("admin")
    reviewer = create_user("reviewer", full_name="Dana Reviewer")
    competition_id = create_competition()
    review = workflow.assign(workflow.submitted(competition_id, create_user("candidate")),
                             reviewer, admin)
    workflow.review(review)
    in_app(lambda: setattr(db.session.get(Competition, competition_id), "state",
                           CompetitionState.closed))
    server = journey.live_server

    page, errors = open_page(browser)
    sign_in(page, journey, admin)
    page.goto(f"{server}/manage/competitions/")
    page.get_by_role("link", name="Reviewer credentials").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviewer credentials: Test call")
    row = page.locator("tr", has_text="Dana Reviewer")
    expect(row.locator("td").nth(2)).to_have_text("1")
    journey.visit(page, "admin")
    assert_accessible(page, "reviewer-credentials-1-admin")
    row.get_by_role("button", name="Issue credential").click()
    expect(page.locator("main")).to_contain_text("Tick the box to confirm.")
    row = page.locator("tr", has_text="Dana Reviewer")
    row.get_by_label("I confirm").check()
    row.get_by_role("button", name="Issue credential").click()
    expect(page.locator("main")).to_contain_text("The reviewer credentials have been issued.")
    expect(page.locator("tr", has_text="Dana Reviewer")).to_contain_text("Valid")
    page.close()

    page, more_errors = open_page(browser)
    errors += more_errors
    sign_in(page, journey, reviewer)
    page.goto(f"{server}/my/certificates/")
    expect(page.get_by_role("heading", name="My reviewer credentials")).to_be_visible()
    journey.visit(page, "reviewer")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (JSON)").click()
    assert '"OpenBadgeCredential"' in download.value.path().read_text()
    public_link = page.get_by_role("link", name="Test call").get_attribute("href")
    page.close()

    page, more_errors = open_page(browser)
    errors += more_errors
    page.goto(f"{server}{public_link}")
    expect(page.locator(".status-banner")).to_have_text(
        "This reviewer credential is genuine and valid.")
    expect(page.locator("main")).to_contain_text("Reviewer, Test call")
    assert page.locator("li.check.fail, li.check.unknown").count() == 0
    journey.visit(page, "public")
    assert_accessible(page, "reviewer-credentials-2-public")
    page.close()
    assert errors == []
    assert journey.problems == []
