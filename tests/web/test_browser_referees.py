"""The referee journey of issue 19 in a real browser (English, 1280 px, then a 390 px phone):
the candidate names a referee on their application, the referee answers through the mailed
link without an account, and the reviewer reads the answer beside each criterion."""

from __future__ import annotations

import pytest

from assessments.models import Application
from certify.core.extensions import db
from tests.support import BROWSER_MARKS, assert_accessible, browser_log_in, mailed_link

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
REFEREE = "marat.bekov@ktu.example.org"


def signed_in(browser, live_server, person):
    page = browser.new_page(viewport=WIDE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, person)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page, errors


def fits_a_phone(page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(WIDE)


def test_a_referee_vouches_through_the_mailed_link_and_the_reviewer_reads_it(
        app, live_app, live_server, browser, monkeypatch, create_user, create_competition,
        workflow, in_app):
    rules = {"professor": {"count": 1, "capacities": ["observed_teaching"]}}
    for each in (app, live_app):
        monkeypatch.setitem(each.config, "REFEREE_REQUIREMENTS", rules)
    admin = create_user("admin")
    candidate = create_user("candidate", full_name="Aida Seitkali")
    reviewer = create_user("reviewer")
    application_id = workflow.start(create_competition(), candidate)
    workflow.fill(application_id)
    criteria = in_app(lambda: [c.id for c in db.session.get(
        Application, application_id).competition.rubric_version.criteria])

    page, errors = signed_in(browser, live_server, candidate)
    page.goto(f"{live_server}/applications/{application_id}")
    page.get_by_role("link", name="Referees").click()
    expect(page.locator("main")).to_contain_text("Name at least 1 referees")
    page.fill("#name", "Marat Bekov")
    page.fill("#email", REFEREE)
    page.fill("#organisation", "Karaganda Technical University")
    page.fill("#relationship", "Head of department")
    page.check("#observed_teaching")
    page.check(f"input[name=criteria][value='{criteria[0]}']")
    page.check(f"input[name=criteria][value='{criteria[1]}']")
    page.get_by_role("button", name="Name this referee").click()
    expect(page.locator(".flash")).to_contain_text("Referee named")
    expect(page.locator("table")).to_contain_text("Named: asked when the application is")
    assert_accessible(page, "referees-1-named")
    fits_a_phone(page)

    workflow.submit(application_id, candidate)
    link = mailed_link(in_app, REFEREE, "referee")
    visitor = browser.new_page(viewport=WIDE)
    visitor.goto(f"{live_server}{link}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Vouch for Aida Seitkali")
    visitor.check(f"input[name='verdict-{criteria[0]}'][value=confirmed]")
    visitor.check(f"input[name='verdict-{criteria[1]}'][value=disputed]")
    visitor.fill("#statement", "I sat in on her lectures for three years.")
    assert_accessible(visitor, "referees-2-answer")
    fits_a_phone(visitor)
    visitor.get_by_role("button", name="Send my answer").click()
    expect(visitor.locator(".flash")).to_contain_text("Thank you: your answer has been recorded.")
    again = visitor.goto(f"{live_server}{link}")
    assert again.status == 410
    expect(visitor.locator("main")).to_contain_text("This link has been used")

    review_id = workflow.assign(application_id, reviewer, admin)
    reader, reader_errors = signed_in(browser, live_server, reviewer)
    reader.goto(f"{live_server}/reviews/{review_id}")
    first, second = reader.locator("fieldset.criterion").nth(0), reader.locator(
        "fieldset.criterion").nth(1)
    expect(first.locator(".referee-verdict")).to_contain_text("Confirmed")
    expect(second.locator(".referee-verdict")).to_contain_text("Disputed")
    expect(reader.locator("section.referees")).to_contain_text(
        "I sat in on her lectures for three years.")
    assert_accessible(reader, "referees-3-review")
    fits_a_phone(reader)
    assert errors == [] and reader_errors == []
