"""Journeys in a real browser: Debian's Chromium driven by Playwright against a live server.

The live server, the browser and axe-core come from tests/conftest.py and tests/support.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from assessments.models import Application, Evidence
from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import BROWSER_MARKS, PDF, assert_accessible, browser_log_in, mailed_link

pytestmark = BROWSER_MARKS


def test_candidate_registers_applies_with_evidence_and_submits(live_server, browser,
                                                               create_competition, in_app,
                                                               tmp_path):
    competition_id = create_competition()
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/register")
    assert_accessible(page, "candidate-1-register")
    page.fill("#email", "browser@example.org")
    page.fill("#full_name", "Browser Candidate")
    page.fill("#affiliation", "Karaganda Technical University")
    page.select_option("#country", "KZ")
    page.select_option("#branch", label="KZ — Kazakhstan branch")
    page.fill("#password", "a long browser passphrase")
    page.fill("#password_again", "a long browser passphrase")
    page.check("#accept_terms")
    page.click("main button[type=submit]")
    expect(page.locator("body")).to_contain_text("Check your email")
    assert "browser@example.org" in page.content()
    assert_accessible(page, "candidate-2-check-email")

    # The link from the confirmation mail (queued in the outbox), then the first login.
    page.goto(live_server + mailed_link(in_app, "browser@example.org", "confirm-email"))
    assert "Your email address is confirmed" in page.content()
    page.fill("#email", "browser@example.org")
    page.fill("#password", "a long browser passphrase")
    page.click("main button[type=submit]")
    expect(page.locator("body")).to_contain_text("Browser Candidate")
    assert_accessible(page, "candidate-2-dashboard")

    page.goto(f"{live_server}/competitions/{competition_id}")
    page.click("text=Start my application")
    expect(page.locator("body")).to_contain_text("saved as a draft")
    assert_accessible(page, "candidate-3-draft")

    evidence = tmp_path / "diploma.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("input[name=evidence-0-file]", str(evidence))
    page.click("button[name=add_evidence][value='0']")
    expect(page.locator("body")).to_contain_text("Draft saved and the evidence changed.")

    page.check("#eligibility_confirmed")
    for index in range(3):
        page.check(f"input[name='answers-{index}-level'][value='3']")
        page.fill(f"#answers-{index}-narrative", f"What I did for criterion {index + 1}.")
    counter = page.locator(".counter").first.text_content()
    assert counter.endswith("/ 5000")  # the live count, from our own script
    page.check("#confirm_submit")
    page.click("#submit")
    expect(page.locator("body")).to_contain_text("Your application has been submitted.")
    assert_accessible(page, "candidate-4-submitted")
    assert errors == []

    def stored():
        application = db.session.scalar(sa.select(Application))
        return application.state, db.session.scalar(sa.select(sa.func.count(Evidence.id)))

    assert in_app(stored) == ("submitted", 1)


def test_public_verification_in_russian(live_server, browser, award, in_app):
    award()
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    page = browser.new_page(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    page.goto(f"{live_server}/verify")
    assert_accessible(page, "verify-ru-1-form")
    page.fill("#number", number.lower())
    page.click("main form button[type=submit] >> nth=0")
    expect(page.locator("main")).to_contain_text("Этот сертификат подлинный и действителен.")
    assert page.locator(".check.ok").count() >= 5
    assert_accessible(page, "verify-ru-2-result")
    pdf = page.request.get(f"{live_server}/certificates/{number}.pdf?lang=kk")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_the_draft_autosaves_and_leaving_with_unsaved_changes_asks(live_server, browser,
                                                                   create_user,
                                                                   create_competition, workflow,
                                                                   in_app):
    """Issue 16: typing marks the form unsaved; leaving then asks first; a few seconds later
    the draft is saved in the background (with the version check) and leaving is free."""
    candidate = create_user("candidate")
    application_id = workflow.start(create_competition(), candidate)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, candidate)
    page.goto(f"{live_server}/applications/{application_id}")
    state = page.locator(".criterion-state[data-criterion='0']")
    assert state.text_content() == "empty"

    page.check("input[name='answers-0-level'][value='2']")
    page.click("#answers-0-narrative")
    page.keyboard.type("Typed, never lost.")
    assert state.text_content() == "filled"
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", dismiss)
    page.locator("header .account-menu summary").click()  # "My data" is in the account menu
    page.get_by_role("link", name="My data").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/applications/{application_id}")

    expect(page.locator(".autosave-status")).to_have_text("Draft saved automatically.",
                                                          timeout=10_000)

    def stored():
        application = db.session.get(Application, application_id)
        return application.answers[0].level, application.answers[0].narrative, application.version

    level, narrative, version = in_app(stored)
    assert (level, narrative) == (2, "Typed, never lost.") and version > 1
    assert page.locator("input[name=version]").input_value() == str(version)
    # Enter in a field saves the draft (the hidden default button), never an evidence button.
    page.fill("input[name=evidence-1-title]", "no file chosen")
    page.press("input[name=evidence-1-title]", "Enter")
    expect(page.locator(".flash")).to_have_text("Draft saved.")
    page.locator("header .account-menu summary").click()
    page.get_by_role("link", name="My data").click()
    page.wait_for_url(f"{live_server}/account/data")
    assert dialogs == ["beforeunload"] and errors == []
