"""The CPD log in the browser (English): a holder logs two activities, sees the rule met,
and requests renewal without typing any hours (docs/cpd.md)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from certify.core.db_types import utcnow
from tests.support import BROWSER_MARKS, assert_accessible, browser_log_in

pytestmark = BROWSER_MARKS

MEASURE = "() => document.documentElement.scrollWidth - window.innerWidth"
RULES = {"professor": {"years": 3, "total_hours": 60,
                       "minimum_hours": {"teaching_practice": 20, "industry_engagement": 10}}}


def _log(page, live_server, title, category, hours, days_ago):
    ended = utcnow().date() - timedelta(days=days_ago)
    page.goto(f"{live_server}/my/cpd/")
    page.get_by_role("link", name="Add an entry").click()
    page.fill("#title", title)
    page.fill("#started_on", str(ended - timedelta(days=4)))
    page.fill("#ended_on", str(ended))
    page.fill("#hours", str(hours))
    page.select_option("#category", category)
    page.fill("#plan", "Bring current mine-ventilation practice into my course.")
    page.fill("#record", "Five days on site with the ventilation engineers.")
    page.fill("#reflect", "Our course under-weights recirculation risks.")
    page.fill("#evaluate", "I rewrote two lectures and a lab.")
    page.fill("#url", "https://cpd.example.org/records/ventilation")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("Saved.")


def test_a_holder_logs_cpd_sees_progress_and_requests_renewal(
        live_server, live_app, browser, create_user, holder, monkeypatch):
    monkeypatch.setitem(live_app.config, "CPD_RULES", RULES)
    person = create_user("candidate", full_name="Dana Mukhanova")
    number = holder("Dana Mukhanova", person=person, ends=100)  # in the renewal window

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, person)
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="My CPD log").first.click()
    expect(page.locator("h1")).to_have_text("My CPD log")
    assert "0 / 60" in page.content()

    _log(page, live_server, "Ventilation practice secondment", "industry_engagement", 30, 60)
    _log(page, live_server, "Course design workshop", "teaching_practice", 32, 20)
    page.goto(f"{live_server}/my/cpd/")
    assert "62 / 60" in page.content() and "Not met yet" not in page.content()
    assert page.locator("table tbody tr", has_text="Course design workshop").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(MEASURE) <= 0
    assert_accessible(page, "cpd-log-en-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server}/my/certificates/{number}")
    page.fill("#narrative", "A secondment on ventilation and a course redesign this cycle.")
    page.get_by_role("button", name="Request renewal").click()
    expect(page.locator("body")).to_contain_text("Your renewal request has been sent.")
    assert "Waiting for a decision" in page.content()
    assert errors == []
