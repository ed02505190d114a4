"""The administrator's and the branch coordinator's journeys, once in each of English, Russian
and Kazakh; every page met is checked at 1280 and 390 px (tests/support/journeys.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments.models import Application, Review
from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import BROWSER_MARKS
from tests.support.journeys import LOCALE, PHONE, TITLE, open_page, sign_in

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect


def header_menu(page, journey, group: str, link: str) -> None:
    """A staff page reached through the header's grouped menus, as a person does."""
    menu = page.get_by_role("navigation", name=journey.t("Main"))
    menu.locator("summary", has_text=journey.t(group)).click()
    menu.get_by_role("link", name=journey.t(link), exact=True).click()


def test_administrator_assigns_decides_and_revokes(
        journey, live_app, live_server, browser, create_user, create_competition, workflow,
        in_app, monkeypatch):
    # No award is drawn at random for a second administrator's check here.
    monkeypatch.setitem(live_app.config, "MODERATION_SAMPLE", 0.0)
    language, t = journey.language, journey.t
    admin = create_user("admin", language=language, full_name="Saule Admin")
    candidate = create_user("candidate", full_name="Nurlan Abenov")
    reviewers = [create_user("reviewer", full_name=name)
                 for name in ("Marat Zhunusov", "Elena Sokolova")]
    application_id = workflow.submitted(create_competition(), candidate, levels=(3, 3, 3))
    journey.content = ("Saule Admin", "Nurlan Abenov", "Marat Zhunusov", "Elena Sokolova",
                       "Test professor rubric", "Evidence")
    page, errors = open_page(browser, locale=LOCALE[language])
    sign_in(page, journey, admin)
    journey.visit(page, "admin")

    header_menu(page, journey, "Manage", "Manage competitions")
    journey.visit(page, "admin")
    page.locator("main").get_by_role("link", name=TITLE[language]).first.click()
    journey.visit(page, "admin")

    header_menu(page, journey, "Review", "Applications")
    journey.visit(page, "admin")
    page.locator("main").get_by_role("link", name="Nurlan Abenov").click()
    page.get_by_role("button", name=t("Confirm eligibility and completeness")).click()
    expect(page.get_by_role("status")).to_have_text(
        t("Eligibility confirmed: reviewers can now be assigned."))
    for reviewer in reviewers:
        page.get_by_label(t("Reviewer"), exact=True).select_option(
            label=next(option for option in page.locator(
                "select[name=reviewer] option").all_inner_texts()
                if option.startswith(reviewer.full_name)))
        page.get_by_role("button", name=t("Assign"), exact=True).click()
        expect(page.get_by_role("status")).to_have_text(
            t("%(name)s assigned as reviewer.", name=reviewer.full_name))
    journey.visit(page, "admin")

    # Behind the scenes: both reviewers score.
    for review_id, levels in zip(in_app(lambda: db.session.scalars(
            sa.select(Review.id).order_by(Review.id)).all()), ((3, 3, 3), (4, 4, 4)),
            strict=True):
        workflow.review(review_id, levels=levels)
    page.reload()
    panel = page.locator("table.panel")
    expect(panel.locator("thead th")).to_have_text(
        [t("Criterion"), t("Weight"), t("Self"), "Marat Zhunusov", "Elena Sokolova"])
    expect(page.locator("main")).not_to_contain_text(
        t("At least %(count)d submitted reviews are needed.", count=2))
    journey.visit(page, "admin")

    # The decision says what will happen, and asks for that to be confirmed.
    page.get_by_label(t("Awarded"), exact=True).check()
    reason = "Both reviewers found the record strong on every criterion."
    journey.content += (reason,)  # the administrator's own words
    page.get_by_label(t("Reason (sent to the candidate)")).fill(reason)
    page.get_by_role("button", name=t("Record decision")).click()
    expect(page.locator("main .error")).to_have_text([t("Tick the box to confirm.")])
    expect(page.get_by_label(t("Reason (sent to the candidate)"))).to_have_value(reason)
    journey.visit(page, "admin")
    page.get_by_label(t("I understand that the decision is recorded and sent to the candidate, "
                        "and cannot be undone.")).check()
    page.get_by_role("button", name=t("Record decision")).click()
    expect(page.get_by_role("status")).to_have_text(t("Decision recorded."))
    journey.visit(page, "admin")
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))

    header_menu(page, journey, "Certificates", "Certificate register")
    journey.visit(page, "admin")
    page.locator("main tr", has_text=number).get_by_role("link", name=t("Manage")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    journey.visit(page, "admin")
    why = "The diploma submitted was not genuine."
    journey.content += (why,)
    page.get_by_label(t("Reason (shown on the public verification page)")).fill(why)
    page.get_by_role("button", name=t("Revoke"), exact=True).click()
    expect(page.locator("main .error")).to_have_text([t("Tick the box to confirm.")])
    expect(page.get_by_label(t("Reason (shown on the public verification page)"))) \
        .to_have_value(why)  # asked to confirm, the reason typed stays
    journey.visit(page, "admin")
    page.get_by_label(t("I understand that the reason is shown publicly and that a revocation "
                        "cannot be undone.")).check()
    page.get_by_role("button", name=t("Revoke"), exact=True).click()
    expect(page.locator("h1 .status")).to_have_text(t("Revoked"))
    journey.visit(page, "admin")
    assert errors == []
    assert journey.problems == [], "\n".join(journey.problems)

    def outcome():
        application = db.session.get(Application, application_id)
        certificate = db.session.scalar(sa.select(Certificate))
        return (str(application.state), application.decision.outcome, application.decision.reason,
                certificate.revocation_reason)

    assert in_app(outcome) == ("decided", "award", reason, why)


def test_coordinator_sees_only_their_country(journey, live_server, browser, create_user,
                                             create_competition, workflow, in_app):
    language, t = journey.language, journey.t
    coordinator = create_user("coordinator", branch="KZ", language=language,
                              full_name="Aidos Coordinator")
    competition_id = create_competition()
    ours = workflow.submitted(competition_id, create_user("candidate", full_name="Kairat Bekov"))
    theirs = workflow.submitted(competition_id, create_user("candidate", branch="RU",
                                                            full_name="Ivan Petrov"))
    journey.content = ("Aidos Coordinator", "Kairat Bekov", "Evidence")
    page, errors = open_page(browser, locale=LOCALE[language])
    sign_in(page, journey, coordinator)
    journey.visit(page, "coordinator")

    # On a phone the menus fold behind one button, and still lead where they say.
    page.set_viewport_size({"width": PHONE, "height": 900})
    page.locator("header .menu-button").click()
    page.locator("header summary", has_text=t("Review")).click()
    page.get_by_role("navigation", name=t("Main")).get_by_role(
        "link", name=t("Applications"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Applications"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kairat Bekov")
    journey.visit(page, "coordinator")
    rows.first.get_by_role("link", name="Kairat Bekov").click()
    expect(page).to_have_url(f"{live_server}/manage/applications/{ours}")
    journey.visit(page, "coordinator")
    assert page.request.get(f"{live_server}/manage/applications/{theirs}").status in (403, 404)

    header_menu(page, journey, "Certificates", "Certificate register")
    journey.visit(page, "coordinator")
    assert errors == []
    assert journey.problems == [], "\n".join(journey.problems)
