"""Two staff journeys of issue 18 in a real browser, each at 1280 px and then on a 390 px
phone (the viewport resized within the journey): an administrator's automatic assignment that
puts a reviewer of the candidate's specialism on each file and names the file that could not
get one; and, in Russian, the structured interview recorded per probed criterion before the
decision that shows it."""

from __future__ import annotations

import copy
import re

import pytest
import sqlalchemy as sa

from assessments.interviews import InterviewFinding
from assessments.models import Application, Decision, Review
from certify.core.extensions import db
from certify.users.models import User
from certify.users.operations import set_reviewer_profile
from rubrics.io import import_rubric
from tests.support import (
    BROWSER_MARKS,
    SMALL_RUBRIC,
    assert_accessible,
    browser_log_in,
    open_competition,
)

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def start(browser, live_server, person):
    page = browser.new_page(viewport=WIDE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, person)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page, errors


def on_a_phone(page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_administrator_assigns_a_specialist_to_each_file(live_server, browser, create_user,
                                                         create_competition, workflow, in_app):
    admin = create_user("admin")
    competition_id = create_competition(min_reviewers=2)
    specialist = create_user("reviewer", full_name="Aigerim Geotech")
    create_user("reviewer", full_name="Boris Plain")
    create_user("reviewer", full_name="Carla Plain")
    in_app(lambda: set_reviewer_profile(
        db.session.get(User, specialist.id), specialisms=["geotechnics"], languages=["en"],
        max_open_reviews=None, by=db.session.get(User, specialist.id)))
    files = {}
    for name, specialism in (("Dana Ground", "geotechnics"), ("Erlan Smelter", "metallurgy")):
        files[name] = workflow.submitted(competition_id,
                                         create_user("candidate", full_name=name))
        workflow.check(files[name], admin)
        in_app(lambda i=files[name], s=specialism: setattr(
            db.session.get(Application, i), "specialism", s))

    page, errors = start(browser, live_server, admin)
    page.goto(f"{live_server}/manage/competitions/")
    page.get_by_role("button", name="Assign reviewers automatically").click()
    flashes = page.locator(".flash")
    expect(flashes.filter(has_text="reviewers assigned.")).to_have_text(
        re.compile(r"4 reviewers assigned\."))
    expect(flashes.filter(has_text="Application No.")).to_have_text(
        f"Application No. {files['Erlan Smelter']}: no reviewer of its specialism "
        "(Metallurgy) could be assigned.")
    assert_accessible(page, "specialism-1-assigned")
    on_a_phone(page)
    assert_accessible(page, "specialism-2-assigned-phone")

    page.goto(f"{live_server}/manage/applications/{files['Dana Ground']}")
    expect(page.locator("table.panel thead th").filter(has_text="Aigerim Geotech")).to_contain_text(
        "specialist: Geotechnics and ground control")
    assert errors == []

    def reviewers_of(application_id):
        return {r.reviewer_id for r in db.session.scalars(
            sa.select(Review).where(Review.application_id == application_id))}

    assert specialist.id in in_app(lambda: reviewers_of(files["Dana Ground"]))
    assert len(in_app(lambda: reviewers_of(files["Erlan Smelter"]))) == 2


def engineer_rubric_with_protocol() -> dict:
    document = copy.deepcopy(SMALL_RUBRIC)
    document.update(code="IV-E", track="engineer")
    document["version"]["interview"] = {"required": True, "criteria": [
        {"code": "C1", "questions": [{
            "en": "Which principal hazard did you manage yourself?",
            "ru": "Какой главной опасностью вы управляли сами?",
            "kk": "Қай басты қауіпті өзіңіз басқардыңыз?"}]},
        {"code": "C3", "questions": [{
            "en": "Who reported to you?", "ru": "Кто подчинялся вам?",
            "kk": "Сізге кім бағынды?"}]},
    ]}
    return document


def test_staff_record_the_interview_and_decide_in_russian(live_app, live_server, browser,
                                                          create_user, workflow, in_app,
                                                          monkeypatch):
    monkeypatch.setitem(live_app.config, "MODERATION_SAMPLE", 0.0)
    version_id = in_app(lambda: import_rubric(engineer_rubric_with_protocol()).id)

    competition_id = in_app(lambda: open_competition(
        version_id, {"en": "Engineers", "ru": "Инженеры", "kk": "Инженерлер"}))
    staff = create_user("coordinator", full_name="Гульнара Координатор")
    admin = create_user("admin")
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))

    page, errors = start(browser, live_server, staff)
    page.get_by_role("button", name="Русский", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto(f"{live_server}/manage/applications/{application_id}")
    interview = page.locator("section.interview")
    first = interview.locator('fieldset[data-criterion="C1"]')
    expect(first).to_contain_text("Какой главной опасностью вы управляли сами?")
    expect(first.locator("legend")).to_contain_text("(обязательный)")
    interview.get_by_label("Дата проведения").fill("2026-11-20")
    interview.get_by_label("Комиссия").fill("Е. Морозова, Дж. Уитфилд")
    first.get_by_label("подтверждено", exact=True).check()
    third = interview.locator('fieldset[data-criterion="C3"]')
    third.get_by_label("подтверждено частично").check()
    interview.get_by_label("Заметки").fill("Опыт подтверждён, кроме срока руководства.")
    interview.get_by_role("button", name="Внести итоги собеседования").click()
    # The note is needed when a claim is not fully confirmed: the form keeps what was typed.
    expect(third).to_contain_text("C3: укажите в примечании, что собеседование не подтвердило.")
    expect(interview.get_by_label("Комиссия")).to_have_value("Е. Морозова, Дж. Уитфилд")
    third.get_by_label("Примечание (обязательно, если не подтверждено полностью)").fill(
        "Руководил участком один год, а не три.")
    interview.get_by_role("button", name="Внести итоги собеседования").click()
    expect(page.get_by_role("status")).to_have_text("Итоги собеседования внесены.")
    row = page.locator('table.interview-findings tr[data-criterion="C3"]')
    expect(row.locator("td")).to_have_text(
        ["3.0", "подтверждено частично", "Руководил участком один год, а не три."])
    assert_accessible(page, "interview-ru-1-recorded")

    on_a_phone(page)
    page.get_by_label("Присвоено", exact=True).check()
    page.get_by_label("Обоснование (отправляется кандидату)").fill(
        "Все критерии подтверждены экспертами и собеседованием.")
    page.get_by_label("Я понимаю, что решение будет зарегистрировано и отправлено кандидату "
                      "и его нельзя отменить.").check()
    page.get_by_role("button", name="Зарегистрировать решение").click()
    expect(page.get_by_role("status")).to_have_text("Решение зарегистрировано.")
    decision = page.locator("section.decision")
    expect(decision.locator('tr[data-criterion="C1"] td').nth(1)).to_have_text("подтверждено")
    expect(decision).to_contain_text("удовлетворительно")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "interview-ru-2-decided-phone")
    assert errors == []

    def recorded():
        findings = {f.criterion.code: (str(f.outcome), f.note)
                    for f in db.session.scalars(sa.select(InterviewFinding))}
        return findings, str(db.session.scalar(sa.select(Decision.outcome)))

    assert in_app(recorded) == ({"C1": ("confirmed", ""),
                                 "C3": ("partly_confirmed",
                                        "Руководил участком один год, а не три.")}, "award")
