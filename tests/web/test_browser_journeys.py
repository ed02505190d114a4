"""Four people's journeys in a real browser, each in the language that person works in.

Debian's Chromium, driven by Playwright, against the live server (tests/conftest.py).
Every step checks what the person sees, runs axe-core on the page (its screenshot goes to
test-artifacts/) and no step may raise a script error; each journey ends by checking the
database. The Russian and Kazakh texts are the translations in
certify/translations/{ru,kk}/LC_MESSAGES/messages.po, written out as the person reads them.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from babel.dates import format_date

from assessments import operations
from assessments.models import Application, Competition, Decision, Evidence, Review
from assessments.reviewers import invitations
from assessments.reviewers.models import ReviewerInvitation
from certify.certificates.models import Certificate
from certify.certificates.operations import revoke_certificate
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users import totp
from certify.users.models import User
from tests.support import BROWSER_MARKS, PDF, assert_accessible, mailed_link, page_text, scan_qr
from tests.support.journeys import open_page

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

CODES = ("C1", "C2", "C3")  # the criteria of tests.support.SMALL_RUBRIC, in order


def log_in(page, base: str, person) -> None:
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.locator("main").get_by_role("button", name="Log in").click()


def switch_language(page, name: str, code: str) -> None:
    """The header's language switcher, as a person uses it."""
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.get_by_role("button", name=name, exact=True)).to_have_attribute(
        "aria-current", "true")


def controls_without_form(page) -> list[str]:
    """The page's form controls that no form would submit (e.g. after a nested <form>)."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'main input:not([type=hidden]), main textarea, main select, main button')]
        .filter(control => !control.form)
        .map(control => control.name || control.textContent.trim())""")


def criterion(page, code: str, title_word: str):
    """A criterion's fieldset, named by its legend ("C1. Критерий C1")."""
    return page.get_by_role("group", name=f"{code}. {title_word} {code}", exact=True)


def level(box, value: int, letter: str):
    """A level's radio button in a criterion, named by its label ("3 — У3 C1 на уровне 3")."""
    return box.get_by_role("radio", name=re.compile(rf"^{value} — {letter}{value}\b"))


# 1. A candidate applies and receives the certificate, in Russian -----------------------------


def test_candidate_applies_and_gets_the_certificate_in_russian(
        live_app, live_server, browser, create_user, create_competition, workflow, in_app,
        tmp_path):
    candidate = create_user("candidate", full_name="Ольга Иванова")
    create_competition()  # open, for every branch: "Тестовый конкурс" in Russian
    page, errors = open_page(browser)

    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page, "candidate-ru-1-login")
    log_in(page, live_server, candidate)
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")

    switch_language(page, "Русский", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Личный кабинет")
    expect(page.locator("main")).to_contain_text("Вы вошли как Ольга Иванова.")
    expect(page.get_by_role("heading", name="Мои заявки")).to_be_visible()
    assert_accessible(page, "candidate-ru-2-dashboard")

    page.get_by_role("navigation", name="Главное меню").get_by_role(
        "link", name="Конкурсы").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Открытые конкурсы")
    assert_accessible(page, "candidate-ru-3-competitions")
    page.get_by_role("link", name="Тестовый конкурс").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Тестовый конкурс")
    expect(page.get_by_role("heading", name="Требования к участникам")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Учёная степень")
    assert_accessible(page, "candidate-ru-4-competition")

    page.get_by_role("button", name="Начать заполнение заявки").click()
    expect(page.get_by_role("status")).to_have_text(
        "Заполнение заявки начато. До отправки она сохраняется как черновик.")
    expect(page.locator("main .state")).to_have_text("Черновик")
    expect(page.locator("main .progress")).to_have_text("Заполнено критериев: 0 из 3")
    assert_accessible(page, "candidate-ru-5-draft")

    evidence = tmp_path / "diploma.pdf"
    evidence.write_bytes(PDF)
    first = criterion(page, "C1", "Критерий")
    expect(first).to_contain_text("Подтверждающие материалы (обязательно)")
    first.get_by_label("Файл (PDF, PNG, JPEG, DOCX или XLSX, не более 10 МБ)").set_input_files(
        str(evidence))
    first.get_by_role("button", name="Добавить подтверждающий материал").click()
    expect(page.get_by_role("status")).to_have_text(
        "Черновик сохранён, подтверждающие материалы изменены.")
    expect(criterion(page, "C1", "Критерий").get_by_role("link", name="diploma.pdf")) \
        .to_be_visible()
    assert_accessible(page, "candidate-ru-6-evidence")

    page.get_by_label(
        "Подтверждаю, что соответствую указанным выше требованиям к участникам.").check()
    levels = dict(zip(CODES, (3, 2, 4), strict=True))
    for code, value in levels.items():
        box = criterion(page, code, "Критерий")
        level(box, value, "У").check()
        box.get_by_label("Обоснование").fill(f"Руководил работами по критерию {code}.")
    expect(criterion(page, "C2", "Критерий").locator(".counter")).to_have_text("34 / 5000")
    assert controls_without_form(page) == []
    assert_accessible(page, "candidate-ru-7-filled")
    page.get_by_label("Я понимаю, что поданную заявку больше нельзя изменить.").check()
    page.get_by_role("button", name="Подать заявку").click()
    expect(page.get_by_role("status")).to_have_text(
        "Ваша заявка подана. Её больше нельзя изменить.")
    expect(page.locator("main .state")).to_have_text("Подана")
    expect(page.locator("main .progress")).to_have_text("Заполнено критериев: 3 из 3")
    expect(page.locator("article.criterion")).to_have_count(3)
    expect(page.locator("article.criterion").first).to_contain_text(
        "Уровень по самооценке: 3 — У3")
    assert_accessible(page, "candidate-ru-8-submitted")

    def submitted():
        application = db.session.scalar(sa.select(Application))
        return (application.id, str(application.state),
                {a.criterion.code: (a.level, a.narrative) for a in application.answers},
                [(e.kind, e.title, e.criterion.code) for e in application.evidence],
                db.session.get(User, candidate.id).preferred_language)

    application_id, state, answers, files, language = in_app(submitted)
    assert state == "submitted"
    assert answers == {code: (value, f"Руководил работами по критерию {code}.")
                       for code, value in levels.items()}
    assert files == [("file", "diploma.pdf", "C1")]
    assert language == "ru"  # the switcher keeps the choice in the profile

    # Behind the scenes: two reviewers score every criterion 3, an administrator awards.
    admin = create_user("admin")
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
    workflow.decide(application_id, admin)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))

    page.get_by_role("navigation", name="Главное меню").get_by_role(
        "link", name="Личный кабинет").click()
    expect(page.locator("main table tbody tr")).to_contain_text(
        "Решение принято — Присвоено")
    expect(page.get_by_role("heading", name="Мои сертификаты")).to_be_visible()
    assert_accessible(page, "candidate-ru-9-dashboard-decided")
    page.get_by_role("link", name="Тестовый конкурс").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Решение: Присвоено")
    expect(page.locator("section.decision")).to_contain_text(
        "Decided by the panel after review.")
    expect(page.get_by_role("link", name=f"Сертификат {number}")).to_be_visible()
    assert_accessible(page, "candidate-ru-10-decision")

    page.get_by_role(
        "link", name="Посмотреть результат по каждому критерию и комментарии экспертов").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Результат оценки Тестовый конкурс")
    expect(page.locator("main")).to_contain_text(
        # Figures as Russian writes them: decimal comma, a no-break space before "%".
        "Решение: Присвоено · Взвешенный балл: 75,0\u00a0% (проходной порог 50\u00a0%)")
    table = page.get_by_role("table", name="Самооценка и оценка комиссии по критериям")
    expect(table.locator("thead th")).to_have_text(
        ["Критерий", "Вес", "Самооценка", "Среднее по комиссии", "Разница"])
    expect(table.locator("tbody tr").nth(1).locator("td")).to_have_text(
        ["35\u00a0%", "2", "3,00", "-1,00 ваша самооценка ниже"])
    expect(table.locator("tbody tr").nth(2).locator("td")).to_have_text(
        ["25\u00a0%", "4", "3,00", "+1,00 ваша самооценка выше"])
    expect(page.get_by_role("heading", name="Комментарии экспертов")).to_be_visible()
    expect(page.locator("article.criterion").first.locator("li")).to_have_text(
        ["Эксперт 1: 3 — On C1", "Эксперт 2: 3 — On C1"])
    assert_accessible(page, "candidate-ru-11-result")

    page.get_by_role("navigation", name="Главное меню").get_by_role(
        "link", name="Личный кабинет").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Профессор ЮНЕСКО горного дела {number}")
    expect(page.locator("main .status")).to_have_text("Действителен")
    expect(page.get_by_role("heading", name="Скачать и поделиться")).to_be_visible()
    expect(page.get_by_label("Ссылка для отправки: по ней любой может проверить ваш сертификат")
           ).to_have_value(f"{live_app.config['PUBLIC_BASE_URL']}/verify/{number}")
    assert_accessible(page, "candidate-ru-12-certificate")
    # Chromium shows a PDF in its viewer: fetch what the link gives, with the page's session.
    href = page.get_by_role("link", name="Сертификат (PDF)").get_attribute("href")
    response = page.request.get(f"{live_server}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    printed = page_text(response.body())
    # In the holder's language, chosen with the switcher.
    assert "Профессор ЮНЕСКО горного дела" in printed
    assert "Ольга Иванова" in printed and number in printed
    assert errors == []

    def awarded():
        certificate = db.session.scalar(sa.select(Certificate))
        application = db.session.get(Application, application_id)
        return (str(application.state), application.decision.outcome,
                certificate.holder_id, certificate.application_id, certificate.revoked_at)

    assert in_app(awarded) == ("decided", "award", candidate.id, application_id, None)


# 2. A reviewer scores an application, in Kazakh --------------------------------------------


def test_reviewer_scores_an_application_in_kazakh(
        live_server, browser, create_user, create_competition, workflow, in_app):
    candidate = create_user("candidate", full_name="Данияр Ахметов",
                            affiliation="Satbayev University")
    reviewer = create_user("reviewer", full_name="Гүлнар Сейітова")
    admin = create_user("admin")
    application_id = workflow.submitted(create_competition(), candidate, levels=(3, 2, 4))
    review_id = workflow.assign(application_id, reviewer, admin)
    page, errors = open_page(browser)

    page.goto(f"{live_server}/login")
    log_in(page, live_server, reviewer)
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    switch_language(page, "Қазақша", "kk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Жеке кабинет")
    expect(page.get_by_role("link", name="Тағайындалды: 1")).to_be_visible()
    assert_accessible(page, "reviewer-kk-1-dashboard")

    page.get_by_role("navigation", name="Негізгі мәзір").get_by_role(
        "link", name="Менің сараптамаларым").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Менің сараптамаларым")
    queue = page.locator("main table tbody tr")
    expect(queue).to_have_count(1)
    expect(queue.locator("td").nth(1)).to_have_text("Сынақ конкурсы")
    expect(queue.locator("td").nth(4)).to_have_text("Жіберілмеген")
    assert_accessible(page, "reviewer-kk-2-queue")

    queue.get_by_role("link", name="Данияр Ахметов").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Сараптама: Данияр Ахметов")
    expect(page.locator("main")).to_contain_text(
        "Сынақ конкурсы · Satbayev University · Күйі: Жіберілмеген")
    expect(page.locator("main")).to_contain_text(
        "1 және одан төмен деңгей үшін, сондай-ақ ең жоғары деңгей үшін түсініктеме міндетті.")
    for code, value in zip(CODES, (3, 2, 4), strict=True):  # the candidate's self-assessment
        own = criterion(page, code, "Критерий").locator(".self-assessment")
        expect(own).to_contain_text(f"Үміткердің деңгейі: {value} — Д{value}")
        expect(own.locator(".narrative")).to_have_text(f"About {code}")
    first = criterion(page, "C1", "Критерий")
    expect(first.get_by_role("link", name="Evidence")).to_have_attribute(
        "href", "https://evidence.example.org/C1")
    assert_accessible(page, "reviewer-kk-3-review")

    # Every control belongs to a form (a form nested in the review form once orphaned them).
    assert controls_without_form(page) == []

    # What is typed before marking the evidence is kept: the click saves the draft with it.
    level(first, 4, "Д").check()
    first.get_by_label("Түсініктеме").fill("Жоғары деңгейдегі жобалар, дәлелі расталды.")
    first.get_by_role("button", name="Расталды деп белгілеу").click()
    expect(page.get_by_role("status")).to_have_text(
        "Жоба сақталды, дәлелді тексеру нәтижесі тіркелді.")
    first = criterion(page, "C1", "Критерий")
    expect(first.locator(".evidence-check")).to_have_text("✓ расталды")
    expect(level(first, 4, "Д")).to_be_checked()
    expect(first.get_by_label("Түсініктеме")).to_have_value(
        "Жоғары деңгейдегі жобалар, дәлелі расталды.")

    scores = {"C1": (4, "Жоғары деңгейдегі жобалар, дәлелі расталды."),
              "C2": (3, "Жақсы тәжірибе."),
              "C3": (1, "Жарияланымдар аз.")}
    for code, (value, comment) in scores.items():
        box = criterion(page, code, "Критерий")
        level(box, value, "Д").check()
        if code != "C3":
            box.get_by_label("Түсініктеме").fill(comment)
    confirm = "Жіберілген сараптамам алқаға осы күйінде жететінін түсінемін."
    page.get_by_label(confirm).check()
    page.get_by_role("button", name="Сараптаманы жіберу").click()
    # Level 1 needs a comment: the review is not submitted, and the reviewer is told why.
    expect(page.locator(".flash.error")).to_have_text("C3: бұл деңгей үшін түсініктеме қажет.")
    expect(level(criterion(page, "C1", "Критерий"), 4, "Д")).to_be_checked()
    assert_accessible(page, "reviewer-kk-4-comment-missing")

    criterion(page, "C3", "Критерий").get_by_label("Түсініктеме").fill(scores["C3"][1])
    page.get_by_role("button", name="Жобаны сақтау").click()
    expect(page.get_by_role("status")).to_have_text("Жоба сақталды.")
    for code, (value, comment) in scores.items():
        box = criterion(page, code, "Критерий")
        expect(level(box, value, "Д")).to_be_checked()
        expect(box.get_by_label("Түсініктеме")).to_have_value(comment)
    assert_accessible(page, "reviewer-kk-5-draft-saved")

    def stored():
        review = db.session.get(Review, review_id)
        evidence = db.session.scalar(sa.select(Evidence))
        return (str(review.state), review.submitted_at,
                {s.criterion.code: (s.level, s.comment) for s in review.scores},
                review.check_for(evidence))

    assert in_app(stored) == ("draft", None, scores, True)

    page.get_by_label(confirm).check()
    page.get_by_role("button", name="Сараптаманы жіберу").click()
    expect(page.get_by_role("status")).to_have_text("Сараптама жіберілді.")
    expect(page.locator("main")).to_contain_text("Күйі: Жіберілді")
    expect(criterion(page, "C1", "Критерий")).to_contain_text("Сіздің деңгейіңіз: 4 — Д4")
    expect(criterion(page, "C3", "Критерий")).to_contain_text("Жарияланымдар аз.")
    expect(page.get_by_role("radio")).to_have_count(0)  # no longer editable
    expect(page.get_by_role("button", name="Сараптамамды қайта қарау")).to_be_visible()
    assert_accessible(page, "reviewer-kk-6-submitted")

    page.get_by_role("navigation", name="Негізгі мәзір").get_by_role(
        "link", name="Менің сараптамаларым").click()
    expect(page.locator("main table tbody tr td").nth(4)).to_have_text("Жіберілді")
    assert_accessible(page, "reviewer-kk-7-queue-done")
    assert errors == []

    state, submitted_at, stored_scores, verified = in_app(stored)
    assert (state, stored_scores, verified) == ("submitted", scores, True)
    assert submitted_at is not None


# 3. A company checks certificates, in English -----------------------------------------------


@pytest.fixture
def certificates(app, live_app, live_server, award, create_user, in_app, monkeypatch):
    """Two awarded certificates, the second revoked through the app's operation.

    The QR code names PUBLIC_BASE_URL: here the live server, so that a scanned address is
    followed as it is. The issuing app and the serving one both say so (credentials name it).
    """

    for config in (app.config, live_app.config):
        monkeypatch.setitem(config, "PUBLIC_BASE_URL", live_server)
    for name in ("Aliya Nurlanovna", "Boris Kim"):
        award(create_user("candidate", full_name=name))

    def revoke_the_second():
        valid, revoked = db.session.scalars(sa.select(Certificate).order_by(Certificate.id))
        revoke_certificate(revoked, reason=REVOCATION, by=db.session.get(User, award.admin.id))
        return [(c.number, c.holder_name, c.valid_until.isoformat()) for c in (valid, revoked)]

    return in_app(revoke_the_second)


REVOCATION = "The diploma submitted was not genuine."


def certificate_states():
    return {c.number: (c.revoked_at is not None, c.revocation_reason)
            for c in db.session.scalars(sa.select(Certificate))}


def test_company_scans_certificates_in_english(live_server, browser, certificates, in_app):
    (valid, valid_holder, _), (revoked, revoked_holder, _) = certificates
    page, errors = open_page(browser, locale="en-GB")

    # The holder's PDF: a QR code and, printed under it, the same address.
    pdf = page.request.get(f"{live_server}/certificates/{valid}.pdf")
    assert pdf.ok
    [scanned] = scan_qr(pdf.body())
    assert scanned == f"{live_server}/verify/{valid}"
    assert scanned in page_text(pdf.body())

    page.goto(scanned)
    expect(page.locator(".status-banner")).to_have_text("This certificate is genuine and valid.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "UNESCO Professor of Mining Engineering")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(valid_holder)
    expect(facts).to_contain_text(valid)
    checks = page.locator("ul.checks:not(.proofs) > li")
    names = ("Well-formed Open Badges 3.0 credential", "Signature matches the content",
             "Signed with a key of this issuer", "Not revoked", "Not suspended",
             "Within its validity dates", "The current credential of its certificate")
    expect(checks).to_have_count(len(names))
    expect(page.locator("ul.checks:not(.proofs) > li.ok")).to_have_count(len(names))
    for name in names:
        expect(checks.filter(has_text=f"{name}: passed")).to_have_count(1)
    # Under the signature, each proof of the set with its own result.
    expect(page.locator("ul.checks.proofs > li.ok")).to_have_text([
        re.compile(r"Proof \(eddsa-jcs-2022\):\s+passed"),
        re.compile(r"Proof \(eddsa-rdfc-2022\):\s+passed")])
    assert_accessible(page, "verifier-en-1-scanned-valid")

    # A revoked certificate is no longer printed; one printed before carries the same kind of
    # QR code as the valid one above, to its verification page.
    assert page.request.get(f"{live_server}/certificates/{revoked}.pdf").status == 410
    page.goto(f"{live_server}/verify/{revoked}")
    expect(page.locator(".status-banner")).to_have_text(
        "This certificate has been revoked and is no longer valid.")
    expect(page.get_by_role("link", name="Printable certificate (PDF)")).to_have_count(0)
    expect(page.locator("dl.facts")).to_contain_text(revoked_holder)
    expect(page.locator("dl.facts")).to_contain_text(REVOCATION)
    expect(page.locator("ul.checks li.fail")).to_have_text([re.compile(r"Not revoked:\s+failed")])
    assert_accessible(page, "verifier-en-2-scanned-revoked")
    assert errors == []

    # Verifying changes nothing.
    assert in_app(certificate_states) == {valid: (False, None), revoked: (True, REVOCATION)}


def day(iso: str) -> str:
    """An ISO date as an English page writes it ("Nov 28, 2031")."""
    return format_date(date.fromisoformat(iso), "medium", locale="en")


def test_company_checks_a_list_of_certificates_in_english(live_server, browser, certificates,
                                                          in_app, tmp_path):
    (valid, valid_holder, valid_until), (revoked, revoked_holder, revoked_until) = certificates
    unknown = f"{valid.rsplit('-', 1)[0]}-999999"
    page, errors = open_page(browser, locale="en-GB")

    page.goto(live_server)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Verify a certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a certificate")
    page.get_by_role("link", name="Check many certificates at once (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check many certificates")
    assert_accessible(page, "verifier-en-3-bulk-form")

    staff = tmp_path / "staff.csv"  # a header row, and one number typed in lower case
    staff.write_text(f"certificate_number\n{valid}\n{revoked.lower()}\n{unknown}\n")
    upload = page.get_by_label("CSV file with one certificate number per row")
    upload.set_input_files(str(staff))
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Check", exact=True).click()
    assert answer.value.status == 200  # public and read-only: no CSRF token needed
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td")).to_have_text(
        [valid, "Valid", valid_holder, day(valid_until)])  # the language's date style
    expect(rows.nth(1).locator("td")).to_have_text(
        [revoked, "Revoked", revoked_holder, day(revoked_until)])
    expect(rows.nth(2).locator("td")).to_have_text([unknown, "not found", "", ""])
    assert_accessible(page, "verifier-en-4-bulk-results")

    upload.set_input_files(str(staff))
    page.get_by_label("Download the results as CSV").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Check", exact=True).click()
    assert download.value.suggested_filename == "certificate-check.csv"
    result = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    title = "UNESCO Professor of Mining Engineering"
    assert result == [  # for people: words, dates in the language's style, codes last
        ["Certificate number", "Found", "Status", "Holder", "Award title", "Valid until",
         "Verification page", "Status code", "Track code"],
        [valid, "Yes", "Valid", valid_holder, title, day(valid_until),
         f"{live_server}/verify/{valid}", "valid", "professor"],
        [revoked, "Yes", "Revoked", revoked_holder, title, day(revoked_until),
         f"{live_server}/verify/{revoked}", "revoked", "professor"],
        [unknown, "No", "", "", "", "", "", "", ""],
    ]

    rows.nth(1).get_by_role("link", name=revoked).click()
    expect(page.locator(".status-banner")).to_have_text(
        "This certificate has been revoked and is no longer valid.")
    assert_accessible(page, "verifier-en-5-revoked")
    assert errors == []
    assert in_app(certificate_states) == {valid: (False, None), revoked: (True, REVOCATION)}


# 4. An administrator decides to award, in English --------------------------------------------


def test_administrator_awards_after_the_reviews_in_english(
        live_app, live_server, browser, create_user, create_competition, workflow, in_app,
        monkeypatch):
    # As in production, staff need a second factor; and no award is drawn at random for a
    # second administrator's check (tests/assessments/test_workflow.py covers that path).
    monkeypatch.setitem(live_app.config, "REQUIRE_SECOND_FACTOR", True)
    monkeypatch.setitem(live_app.config, "MODERATION_SAMPLE", 0.0)
    admin = create_user("admin", full_name="Saule Admin")
    secret = pyotp.random_base32()
    assert in_app(lambda: totp.enable(db.session.get(User, admin.id), secret,
                                      pyotp.TOTP(secret).now())) is not None

    candidate = create_user("candidate", full_name="Nurlan Abenov")
    first, second = (create_user("reviewer", full_name=name)
                     for name in ("Marat Zhunusov", "Elena Sokolova"))
    application_id = workflow.submitted(create_competition(), candidate, levels=(3, 3, 3))
    workflow.review(workflow.assign(application_id, first, admin), levels=(3, 3, 3))
    workflow.review(workflow.assign(application_id, second, admin), levels=(4, 4, 4))
    page, errors = open_page(browser)

    page.goto(f"{live_server}/login")
    log_in(page, live_server, admin)
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor")
    expect(page.locator("main")).to_contain_text(
        "Enter the 6-digit code from your authenticator app, or one of your recovery codes.")
    assert_accessible(page, "admin-en-1-second-factor")
    # The next code: the one of the enrolment's time step is spent.
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(secret).at(time.time() + 30))
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    assert_accessible(page, "admin-en-2-dashboard")

    menu = page.get_by_role("navigation", name="Main")
    menu.locator("summary", has_text="Review").click()  # the header groups staff pages in menus
    menu.get_by_role("link", name="Applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    row = page.locator("main table tbody tr").filter(has_text="Nurlan Abenov")
    expect(row.locator("td")).to_have_text(
        ["Nurlan Abenov", "KZ", "Test call", "Under review", "2 / 2", re.compile(r"\d")])
    assert_accessible(page, "admin-en-3-applications")

    row.get_by_role("link", name="Nurlan Abenov").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nurlan Abenov")
    expect(page.get_by_role("heading", name="Scores side by side")).to_be_visible()
    panel = page.locator("table.panel")
    expect(panel.locator("thead th")).to_have_text(
        ["Criterion", "Weight", "Self", "Marat Zhunusov", "Elena Sokolova"])
    for position, code in enumerate(CODES):
        cells = panel.locator("tbody tr").nth(position)
        expect(cells.locator("th")).to_contain_text(f"{code}. Criterion {code}")
        expect(cells.locator("td strong")).to_have_text(["3", "4"])
    figures = page.locator("p.figures")
    expect(figures).to_contain_text("Weighted score: 87.5%")
    expect(figures).to_contain_text("Pass threshold: 50%")
    expect(figures).to_contain_text("Must-pass criteria: met")
    expect(figures).to_contain_text("Recommendation: award")
    assert_accessible(page, "admin-en-4-panel")
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 0

    page.get_by_label("Awarded", exact=True).check()
    page.get_by_label("Reason (sent to the candidate)").fill(
        "Both reviewers found the record strong on every criterion.")
    page.get_by_label("I understand that the decision is recorded and sent to the candidate, "
                      "and cannot be undone.").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_have_text("Decision recorded.")
    decision = page.locator("section.decision")
    expect(decision.get_by_role("heading", level=2)).to_have_text("Decision: Awarded")
    expect(decision).to_contain_text("Saule Admin")
    expect(decision).not_to_contain_text("Drawn for a second check")
    certificate_link = decision.get_by_role("link", name=re.compile(r"^UPME-KZ-\d{4}-\d{6}$"))
    expect(certificate_link).to_be_visible()
    shown = certificate_link.text_content()
    assert_accessible(page, "admin-en-5-decided")

    certificate_link.click()
    expect(page.locator(".status-banner")).to_have_text("This certificate is genuine and valid.")
    expect(page.locator("dl.facts")).to_contain_text("Nurlan Abenov")
    expect(page.locator("dl.facts")).to_contain_text(shown)
    assert_accessible(page, "admin-en-6-certificate")
    assert errors == []

    def outcome():
        application = db.session.get(Application, application_id)
        decision = db.session.scalar(sa.select(Decision))
        certificate = db.session.scalar(sa.select(Certificate))
        return (str(application.state), decision.application_id, decision.outcome,
                decision.moderation, decision.decided_by_id, decision.score,
                decision.recommended, decision.reason, certificate.number,
                certificate.application_id, certificate.holder_id)

    assert in_app(outcome) == (
        "decided", application_id, "award", "none", admin.id, 87.5, True,
        "Both reviewers found the record strong on every criterion.", shown, application_id,
        candidate.id)


def test_candidate_resets_a_forgotten_password_in_kazakh(live_server, browser, create_user,
                                                        in_app):
    person = create_user("candidate", language="kk", full_name="Әсел Сейітова")
    old_hash = in_app(lambda: db.session.get(User, person.id).password_hash)
    page, errors = open_page(browser)
    page.goto(f"{live_server}/login")
    switch_language(page, "Қазақша", "kk")
    page.get_by_role("link", name="Құпиясөзді ұмыттыңыз ба?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Құпиясөзді қалпына келтіру")
    assert_accessible(page, "reset-kk-1-forgot")

    page.get_by_label("Электрондық пошта").fill(person.email)
    page.get_by_role("button", name="Сілтемені жіберу").click()
    expect(page.locator("main")).to_contain_text(
        f"Егер {person.email} мекенжайымен тіркелгі бар болса, оған құпиясөзді қалпына келтіру "
        "сілтемесін жібердік. Ол 60 минут жарамды.")
    assert_accessible(page, "reset-kk-2-sent")

    # The mail, in the account's language, as the outbox would send it.
    subject, body = in_app(lambda: db.session.execute(
        sa.select(Notification.subject, Notification.body)
        .where(Notification.kind == "password-reset")).one())
    assert subject == "Құпиясөзді қалпына келтіру"
    assert body.startswith("Құрметті Әсел Сейітова,")
    page.goto(live_server + mailed_link(in_app, person.email, "password-reset"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Жаңа құпиясөз таңдаңыз")
    assert_accessible(page, "reset-kk-3-form")

    for password in ("password1234", "жаңа ұзын құпиясөз 2026"):
        page.get_by_label("Жаңа құпиясөз", exact=True).fill(password)
        page.get_by_label("Жаңа құпиясөзді қайталаңыз").fill(password)
        page.get_by_role("button", name="Жаңа құпиясөзді орнату").click()
        if password == "password1234":
            expect(page.locator("main")).to_contain_text(
                "Бұл құпиясөз тым жиі қолданылады; басқасын таңдаңыз.")
            assert in_app(lambda: db.session.get(User, person.id).password_hash) == old_hash
    expect(page.locator("main")).to_contain_text(
        "Құпиясөз қалпына келтірілді, тіркелгіңіздің барлық сеанстары аяқталды.")
    assert_accessible(page, "reset-kk-4-done")

    page.get_by_label("Электрондық пошта").fill(person.email)
    page.get_by_label("Құпиясөз", exact=True).fill("жаңа ұзын құпиясөз 2026")
    page.locator("main").get_by_role("button", name="Кіру").click()
    expect(page.locator("header")).to_contain_text("Әсел Сейітова")
    assert in_app(lambda: db.session.get(User, person.id).password_hash) != old_hash
    assert errors == []


# 6. An invited reviewer goes from the mailed link to a submitted review, in English -----------


def test_invited_reviewer_goes_from_the_mail_to_a_submitted_review(
        live_app, live_server, browser, create_user, create_competition, workflow, in_app,
        monkeypatch):
    # As in production: reviewers need a second factor.
    monkeypatch.setitem(live_app.config, "REQUIRE_SECOND_FACTOR", True)
    admin = create_user("admin", full_name="Saule Admin")
    competition_id = create_competition(min_reviewers=1)
    candidate = create_user("candidate", full_name="Bolat Serikov")
    application_id = workflow.submitted(competition_id, candidate, levels=(3, 3, 3))
    workflow.check(application_id, admin)
    create_user("reviewer", full_name="Generalist Reviewer")  # lighter id, no specialism
    email = "aigerim.invited@example.org"

    def invite():
        application = db.session.get(Application, application_id)
        application.specialism = "geotechnics"
        invitations.invite(email, competition=application.competition, language="en",
                           by=db.session.get(User, admin.id))

    in_app(invite)
    link = mailed_link(in_app, email, "invitation")
    page, errors = open_page(browser)

    page.goto(f"{live_server}{link}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to review")
    expect(page.locator("main")).to_contain_text(
        f"Saule Admin invites {email} to review applications in Test call.")
    expect(page.get_by_label(f"Application No. {application_id}: Bolat Serikov")).to_be_visible()
    assert_accessible(page, "invited-en-1-invitation")
    page.get_by_label("Full name (as in your passport, Latin letters)").fill("Aigerim Nurlanovna")
    page.get_by_label("University or company").fill("Satbayev University")
    page.get_by_label("Country").select_option("KZ")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_label("Repeat password").fill("correct horse battery staple")
    page.get_by_label("Geotechnics and ground control").check()
    page.get_by_role("checkbox", name="English").check()
    page.get_by_label("The most reviews you accept at a time (optional)").fill("2")
    page.get_by_label("I agree that my data is processed").check()
    page.get_by_role("button", name="Accept the invitation").click()

    # Logged in, and the second factor comes first.
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor")
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("main")).to_contain_text("Your second factor is on.")
    assert_accessible(page, "invited-en-2-second-factor")

    # Behind the scenes: automatic assignment puts the geotechnics specialist on the file.
    def assign():
        competition = db.session.get(Competition, competition_id)
        plan = operations.auto_assign(competition, by=db.session.get(User, admin.id))
        return [reviewer.email for _application, reviewer in plan.pairs]

    assert in_app(assign) == [email]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    # A competition's files open once its impartiality declaration is signed.
    page.get_by_role("link", name="Sign the declaration for this competition first").click()
    page.check("#agree")
    page.fill("#full_name", "Aigerim Nurlanovna")
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Bolat Serikov")
    for code in CODES:
        level(criterion(page, code, "Criterion"), 3, "L").check()
    page.get_by_label("I understand that my submitted review goes to the panel as it is.").check()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("status")).to_have_text("Review submitted.")
    assert_accessible(page, "invited-en-3-submitted")
    assert errors == []

    def stored():
        reviewer = db.session.scalar(sa.select(User).where(User.email == email))
        review = db.session.scalar(sa.select(Review).where(Review.reviewer_id == reviewer.id))
        invitation = db.session.scalar(sa.select(ReviewerInvitation))
        return (str(review.state), review.application_id, reviewer.totp_enabled_at is not None,
                reviewer.reviewer_profile.specialisms, str(invitation.state))

    assert in_app(stored) == ("submitted", application_id, True, ["geotechnics"], "accepted")
