"""A complaint in a real browser: a visitor complains in Russian from the verification page,
without an account; an administrator who is not involved withdraws the certificate; the
visitor's status page and the verification page say so. axe-core runs on every page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import BROWSER_MARKS, assert_accessible, browser_log_in

pytestmark = BROWSER_MARKS


def test_visitor_complains_and_an_uninvolved_administrator_withdraws(live_server, browser,
                                                                      award, create_user,
                                                                      in_app):
    award()
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    investigator = create_user("admin")

    visitor = browser.new_page(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    visitor.goto(f"{live_server}/verify/{number}")
    visitor.click("text=Подать жалобу на владельца этого сертификата")
    assert visitor.input_value("#certificate_number") == number
    assert "Владелец сертификата" in visitor.content()  # the choices in the visitor's language
    assert_accessible(visitor, "complaint-ru-1-form")
    visitor.fill("#name", "Айгерим Клиентова")
    visitor.fill("#email", "client@example.com")
    visitor.fill("#description", "Владелец подписал маркшейдерский отчёт, не побывав на "
                                 "руднике в 2026 году.")
    visitor.click("main form button[type=submit]")
    expect(visitor.locator("main")).to_contain_text("Получена")
    receipt = re.search(r"C-\d{4}-\d{5}", visitor.content()).group(0)
    assert_accessible(visitor, "complaint-ru-2-status")
    status_url = visitor.url

    staff = browser.new_page()
    browser_log_in(staff, live_server, investigator)
    staff.goto(f"{live_server}/manage/complaints/")
    assert_accessible(staff, "complaint-en-3-list")
    staff.click(f"text={receipt}")
    assert_accessible(staff, "complaint-en-4-page")
    staff.select_option("#investigator", str(investigator.id))
    staff.click("text=Assign")
    expect(staff.locator("body")).to_contain_text("Investigator assigned.")
    staff.check("input[value=withdrawn]")
    staff.fill("#findings", "The mine's visitor log shows no visit by the holder in 2026.")
    staff.fill("#reason", "The survey was signed without the visit it certifies.")
    staff.click("text=Record the outcome")
    expect(staff.locator("body")).to_contain_text(
        "Outcome recorded; the complainant has been told.")
    assert_accessible(staff, "complaint-en-5-resolved")

    visitor.goto(status_url)
    assert "Обоснована – сертификат отозван" in visitor.content()
    visitor.goto(f"{live_server}/verify/{number}")
    assert "Этот сертификат отозван и больше не действителен." in visitor.content()
