"""The journeys of the candidate, the reviewer and the public, once in each of English, Russian
and Kazakh; every page met is checked at 1280 and 390 px (tests/support/journeys.py: no
sideways scroll, the header on one line or folded behind its menu, no English left in RU/KK).

The texts expected are the catalogs' (``journey.t``), so the same journey reads each language;
tests/web/test_browser_journeys.py writes a few of them out as a person reads them, with axe.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from assessments.models import Application, Competition, Review
from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import User
from tests.support import BROWSER_MARKS, PDF, make_exemplar
from tests.support.journeys import LOCALE, TITLE, Journey, open_page, sign_in

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

LEVEL = {"en": "L", "ru": "У", "kk": "Д"}
CRITERION = {"en": "Criterion", "ru": "Критерий", "kk": "Критерий"}


def criterion(page, journey: Journey, code: str):
    return page.get_by_role("group", name=f"{code}. {CRITERION[journey.language]} {code}",
                            exact=True)


def level(box, journey: Journey, value: int):
    return box.get_by_role("radio", name=re.compile(rf"^{value} — {LEVEL[journey.language]}"
                                                    rf"{value}\b"))


def account_menu(page, journey: Journey, name: str) -> None:
    page.locator("header .account-menu summary").click()
    page.locator("header .account-menu").get_by_role("link", name=journey.t(name)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.t(name))


def test_candidate_applies_without_losing_work(journey, live_server, browser, create_user,
                                               create_competition, workflow, in_app, tmp_path):
    language, t = journey.language, journey.t
    candidate = create_user("candidate", language=language, full_name="Aigerim Sadykova")
    create_competition()
    journey.content = ("Aigerim Sadykova", "Decided by the panel after review.")
    page, errors = open_page(browser, locale=LOCALE[language])

    sign_in(page, journey, candidate)
    journey.visit(page, "candidate")
    page.get_by_role("navigation", name=t("Main")).get_by_role(
        "link", name=t("Competitions")).click()
    journey.visit(page, "candidate")
    page.get_by_role("link", name=TITLE[language]).click()
    journey.visit(page, "candidate")
    page.get_by_role("button", name=t("Start my application")).click()
    expect(page.locator("main .progress")).to_have_text(
        t("%(done)d of %(total)d criteria completed", done=0, total=3))
    journey.visit(page, "candidate")

    # A level chosen and a narrative typed, then evidence added: nothing typed is lost.
    first = criterion(page, journey, "C1")
    level(first, journey, 3).check()
    first.get_by_label(t("Narrative")).fill("Led the C1 work.")
    evidence = tmp_path / "diploma.pdf"
    evidence.write_bytes(PDF)
    first.get_by_label(t("File (PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB)")).set_input_files(
        str(evidence))
    first.get_by_role("button", name=t("Add evidence")).click()
    expect(page.get_by_role("status")).to_have_text(t("Draft saved and the evidence changed."))
    first = criterion(page, journey, "C1")
    expect(first.get_by_role("link", name="diploma.pdf")).to_be_visible()
    expect(level(first, journey, 3)).to_be_checked()
    expect(first.get_by_label(t("Narrative"))).to_have_value("Led the C1 work.")
    journey.visit(page, "candidate")

    # Typed and left alone: the draft saves itself, and a reload shows it.
    second = criterion(page, journey, "C2")
    level(second, journey, 2).check()
    second.get_by_label(t("Narrative")).fill("Ran the C2 programme.")
    expect(page.locator(".autosave-status")).to_have_text(t("Draft saved automatically."),
                                                          timeout=15_000)
    page.reload()
    expect(level(criterion(page, journey, "C2"), journey, 2)).to_be_checked()
    expect(criterion(page, journey, "C2").get_by_label(t("Narrative"))).to_have_value(
        "Ran the C2 programme.")

    # Submitting asks for the confirmation first, and keeps what was typed meanwhile.
    third = criterion(page, journey, "C3")
    level(third, journey, 4).check()
    third.get_by_label(t("Narrative")).fill("Published on C3.")
    page.get_by_label(t("I confirm that I meet the eligibility requirements listed above.")) \
        .check()
    page.get_by_role("button", name=t("Submit application")).click()
    expect(page.locator(".save-bar .error")).to_have_text(
        t("Tick the box to confirm the submission."))
    expect(criterion(page, journey, "C3").get_by_label(t("Narrative"))).to_have_value(
        "Published on C3.")
    journey.visit(page, "candidate")
    page.get_by_label(t("I understand that a submitted application can no longer be changed.")) \
        .check()
    page.get_by_role("button", name=t("Submit application")).click()
    expect(page.get_by_role("status")).to_have_text(
        t("Your application has been submitted. It can no longer be changed."))
    journey.visit(page, "candidate")

    def mails():
        return [(n.kind, n.subject, n.body) for n in db.session.scalars(
            sa.select(Notification).where(Notification.user_id == candidate.id)
            .order_by(Notification.id))]

    receipt = t("Application received: %(competition)s", competition=TITLE[language])
    assert [(kind, subject) for kind, subject, _body in in_app(mails)] == [
        ("submission-receipt", receipt)]

    # Behind the scenes: two reviewers, then an award.
    admin = create_user("admin")
    application_id = in_app(lambda: db.session.scalar(sa.select(Application.id)))
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
    workflow.decide(application_id, admin)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    kind, _subject, body = in_app(mails)[-1]
    assert kind == "decision" and number in body

    account_menu(page, journey, "My notifications")
    expect(page.locator("details.notification summary strong")).to_have_text(
        [re.compile(re.escape(t("Decision on your application: %(outcome)s", outcome=""))),
         receipt])
    journey.visit(page, "candidate")
    account_menu(page, journey, "My account")
    journey.visit(page, "candidate")
    page.get_by_role("link", name=t("My certificates")).click()
    expect(page.locator("main table tbody tr td").first).to_have_text(number)
    journey.visit(page, "candidate")
    page.get_by_role("link", name=number).click()
    journey.visit(page, "candidate")

    account_menu(page, journey, "My account")
    page.get_by_label(t("Full name in native script (optional)")).fill("Әйгерім Садықова")
    page.locator("main form").first.get_by_role("button", name=t("Save")).click()
    expect(page.get_by_label(t("Full name in native script (optional)"))).to_have_value(
        "Әйгерім Садықова")
    journey.visit(page, "candidate")
    assert errors == []
    assert journey.problems == [], "\n".join(journey.problems)
    assert in_app(lambda: db.session.get(User, candidate.id).full_name_native) == \
        "Әйгерім Садықова"


def test_reviewer_calibrates_and_submits_pending_first(
        journey, live_server, browser, create_user, create_competition, workflow, in_app):
    language, t = journey.language, journey.t
    admin = create_user("admin")
    reviewer = create_user("reviewer", language=language, full_name="Marat Zhunusov")
    done_id = create_competition()
    competition_id = create_competition()
    names = ("Bolat Serikov", "Dana Omarova")
    # The evidence links' titles are the candidates' words (tests/conftest.py: "Evidence").
    journey.content = names + ("Marat Zhunusov", "Evidence")

    # Submitted earlier on another call; assigned later, this one waits: it comes first.
    workflow.review(workflow.assign(
        workflow.submitted(done_id, create_user("candidate", full_name=names[0])),
        reviewer, admin))
    waiting = workflow.assign(
        workflow.submitted(competition_id, create_user("candidate", full_name=names[1])),
        reviewer, admin)

    def ask_for_calibration():
        competition = db.session.get(Competition, competition_id)
        competition.requires_calibration = True
        make_exemplar(competition, db.session.get(User, admin.id), references=[3, 3, 3])

    in_app(ask_for_calibration)
    page, errors = open_page(browser, locale=LOCALE[language])
    sign_in(page, journey, reviewer)
    journey.visit(page, "reviewer")
    page.get_by_role("navigation", name=t("Main")).get_by_role(
        "link", name=t("My reviews")).click()
    rows = page.locator("main table tbody tr")
    expect(rows.locator("td:first-child a")).to_have_text([names[1], names[0]])
    journey.visit(page, "reviewer")

    rows.first.get_by_role("link", name=names[1]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE[language])
    journey.visit(page, "reviewer")
    for code in ("C1", "C2", "C3"):
        level(criterion(page, journey, code), journey, 3).check()
    page.get_by_role("button", name=t("Submit and compare")).click()
    expect(page.get_by_role("status")).to_have_text(
        t("Calibration recorded. Here is how far you are from the reference panel."))
    journey.visit(page, "reviewer")
    page.get_by_role("link", name=t("Continue to your reviews")).click()

    # The review form: the brief beside each criterion, and a confirmation before it goes.
    first = criterion(page, journey, "C1")
    expect(first.locator(".must-pass")).to_contain_text(
        t("Must-pass: level %(level)d or above from every reviewer.", level=2))
    for code, value in (("C1", 4), ("C2", 3), ("C3", 3)):
        level(criterion(page, journey, code), journey, value).check()
    first.get_by_label(t("Comment")).fill("Strong record.")
    page.get_by_role("button", name=t("Submit review")).click()
    expect(page.locator(".actions .error, .save-bar .error")).to_have_text(
        t("Tick the box to confirm the submission."))
    expect(level(criterion(page, journey, "C1"), journey, 4)).to_be_checked()
    journey.visit(page, "reviewer")
    page.get_by_label(t("I understand that my submitted review goes to the panel as it is.")) \
        .check()
    page.get_by_role("button", name=t("Submit review")).click()
    expect(page.get_by_role("status")).to_have_text(t("Review submitted."))
    journey.visit(page, "reviewer")
    assert errors == []
    assert journey.problems == [], "\n".join(journey.problems)
    assert in_app(lambda: str(db.session.get(Review, waiting).state)) == "submitted"


def test_public_verifies_in_bulk_and_reads_the_api(journey, live_server, browser, award,
                                                   create_user, in_app, tmp_path):
    language, t = journey.language, journey.t
    award(create_user("candidate", full_name="Aliya Nurlanovna"))
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    journey.content = ("Aliya Nurlanovna", "Test professor rubric")
    page, errors = open_page(browser, locale=LOCALE[language])
    page.goto(live_server)
    expect(page.locator("html")).to_have_attribute("lang", language)
    journey.visit(page, "public")
    page.get_by_role("navigation", name=t("Main")).get_by_role(
        "link", name=t("Verify a certificate")).click()
    journey.visit(page, "public")
    page.get_by_label(t("Certificate number")).fill(number)
    page.get_by_role("button", name=t("Verify"), exact=True).click()
    expect(page.locator(".status-banner")).to_have_text(
        t("This certificate is genuine and valid."))
    journey.visit(page, "public")

    page.goto(f"{live_server}/verify")
    page.get_by_role("link", name=t("Check many certificates at once (CSV)")).click()
    upload = page.get_by_label(t("CSV file with one certificate number per row"))
    not_csv = tmp_path / "scan.pdf"
    not_csv.write_bytes(PDF)
    upload.set_input_files(str(not_csv))
    page.get_by_role("button", name=t("Check"), exact=True).click()
    expect(page.locator(".flash.error")).to_have_text(t(
        "This file is not a CSV file: save the list of numbers as CSV (plain text) and upload "
        "it again."))
    expect(page.locator("main table")).to_have_count(0)
    journey.visit(page, "public")
    listed = tmp_path / "staff.csv"
    listed.write_text(f"{number}\n")
    upload.set_input_files(str(listed))
    page.get_by_role("button", name=t("Check"), exact=True).click()
    expect(page.locator("main table tbody tr td").first).to_have_text(number)
    journey.visit(page, "public")

    page.goto(f"{live_server}/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text(t("Public API"))
    expect(page.locator("article.api-example").first).to_be_visible()
    journey.visit(page, "public")
    assert errors == []
    assert journey.problems == [], "\n".join(journey.problems)
