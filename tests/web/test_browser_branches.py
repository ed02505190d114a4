"""Done-when of issue 20, part 1: a branch created in the browser takes applications, issues
certificates with its code and appears on the public pages, with no code change."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from assessments.models import Application
from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.users.models import User
from tests.support import BROWSER_MARKS, Person, assert_accessible, browser_log_in, mailed_link

pytestmark = BROWSER_MARKS
PASSPHRASE = "a long browser passphrase"


def test_a_branch_created_in_the_browser_takes_applications_and_issues_certificates(
        live_server, browser, create_user, create_competition, workflow, in_app):
    admin = create_user("admin", full_name="Saule Admin")
    competition_id = create_competition()
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    browser_log_in(page, live_server, admin)
    menu = page.get_by_role("navigation", name="Main")
    menu.locator("summary", has_text="Manage").click()  # the header groups staff pages in menus
    menu.get_by_role("link", name="Branches").click()
    page.get_by_role("link", name="New branch").click()
    page.fill("#code", "uz")
    page.select_option("#country", "UZ")
    page.fill("#name_en", "Uzbekistan branch")
    page.fill("#name_ru", "Узбекистанский филиал")
    page.fill("#name_kk", "Өзбекстан филиалы")
    page.fill("#host_en", "Tashkent State Technical University")
    page.fill("#agreement_date", "2026-09-01")
    page.fill("#agreement_reference", "ICC-UZ-2026/1")
    page.check("input[name=languages][value=en]")
    page.check("input[name=languages][value=ru]")
    page.fill("#public_contact", "uz@certify.example")
    page.get_by_role("button", name="Save branch").click()
    expect(page.locator("body")).to_contain_text("Branch UZ created.")
    assert_accessible(page, "branch-1-created")
    page.locator("header .account-menu summary").click()
    page.get_by_role("button", name="Log out").click()

    # A candidate registers with the new branch and starts an application in the browser.
    page.goto(f"{live_server}/register")
    page.fill("#email", "uz.candidate@example.org")
    page.fill("#full_name", "Dilshod Karimov")
    page.fill("#affiliation", "Almalyk Mining and Metallurgical Complex")
    page.select_option("#country", "UZ")
    page.select_option("#branch", label="UZ — Uzbekistan branch")
    page.fill("#password", PASSPHRASE)
    page.fill("#password_again", PASSPHRASE)
    page.check("#accept_terms")
    page.click("main button[type=submit]")
    page.goto(live_server + mailed_link(in_app, "uz.candidate@example.org", "confirm-email"))
    page.fill("#email", "uz.candidate@example.org")
    page.fill("#password", PASSPHRASE)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/competitions/{competition_id}")
    page.click("text=Start my application")
    expect(page.locator("body")).to_contain_text("saved as a draft")

    # The rest of the file, its reviews and the award through the operations.
    candidate_id = in_app(lambda: db.session.scalar(
        sa.select(User.id).where(User.email == "uz.candidate@example.org")))
    candidate = Person(candidate_id, "uz.candidate@example.org", PASSPHRASE, "Dilshod Karimov")
    application_id = in_app(lambda: db.session.scalar(sa.select(Application.id)))
    workflow.fill(application_id)
    workflow.submit(application_id, candidate)
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
    workflow.decide(application_id, admin)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    assert re.fullmatch(r"UPME-UZ-\d{4}-000001", number)

    page.goto(f"{live_server}/verify/{number}")
    assert "This certificate is genuine and valid." in page.content()
    assert number in page.content() and "Dilshod Karimov" in page.content()
    page.goto(live_server)
    page.get_by_role("link", name="National branches").click()
    row = page.locator("main table tbody tr").filter(has_text="UZ")
    assert "Uzbekistan branch" in row.text_content()
    assert "Tashkent State Technical University" in row.text_content()
    assert "uz@certify.example" in row.text_content()
    assert_accessible(page, "branch-2-public-list")
    assert errors == []
