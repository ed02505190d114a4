"""The public register in the browser, in Kazakh, at desk and phone width: a holder agrees on
their certificates page and appears; a visitor searches by native name and filters; the
holder withdraws on their account page and is gone (docs/register.md)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support import BROWSER_MARKS, assert_accessible, browser_log_in

pytestmark = BROWSER_MARKS

MEASURE = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_a_holder_joins_and_leaves_the_register_a_visitor_finds_them_in_kazakh(
        live_server, browser, create_user, holder):
    for number in range(30):  # more than a page of other holders
        holder(f"Other Holder {number:02d}", country="RU" if number % 3 else "KZ")
    person = create_user("candidate", full_name="Yerlan Abilkassymov", language="kk")
    number = holder("Yerlan Abilkassymov", "Ерлан Әбілқасымов", person=person,
                    specialism="ventilation_safety", consents=False)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server, person)
    page.goto(f"{live_server}/my/certificates/")
    assert "Сіз ашық тізілімге енгізілмегенсіз." in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(MEASURE) <= 0
    assert_accessible(page, "public-register-consent-kk-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Келісемін: мені ашық тізілімге енгізу").click()
    expect(page.locator("body")).to_contain_text("Сіз ашық тізілімге енгізілдіңіз.")
    assert page.url.endswith("/my/certificates/#public-register")
    page.locator("header .account-menu summary").click()
    page.get_by_role("button", name="Шығу").click()

    visitor = browser.new_page(viewport={"width": 1280, "height": 900})
    visitor.on("pageerror", lambda error: errors.append(str(error)))
    visitor.goto(f"{live_server}/")
    visitor.locator("form.language-switcher button[lang=kk]").click()
    visitor.goto(f"{live_server}/public-register")
    assert visitor.locator("h1").inner_text() == "Сертификат иелерінің ашық тізілімі"
    assert "31" in visitor.locator(".list-count").inner_text()
    visitor.fill("#list-q", "ерлан әбілқасымов")
    visitor.select_option("#list-country", "KZ")
    visitor.select_option("#list-specialism", "ventilation_safety")
    visitor.get_by_role("button", name="Көрсету").click()
    rows = visitor.locator("table.public-register tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ерлан Әбілқасымов")
    assert "country=KZ" in visitor.url and "specialism=ventilation_safety" in visitor.url
    assert visitor.evaluate(MEASURE) <= 0
    assert_accessible(visitor, "public-register-kk-1280")

    visitor.set_viewport_size({"width": 390, "height": 844})
    visitor.reload()
    assert visitor.evaluate(MEASURE) <= 0
    assert_accessible(visitor, "public-register-kk-390")
    visitor.get_by_role("link", name=number).click()
    expect(visitor).to_have_url(re.compile(re.escape(f"/verify/{number}")))

    browser_log_in(page, live_server, person)
    page.goto(f"{live_server}/account")
    assert_accessible(page, "public-register-account-kk-1280")
    page.get_by_role("button", name="Мені ашық тізілімнен шығару").click()
    expect(page.locator("body")).to_contain_text("Сіз ашық тізілімнен шығарылдыңыз.")

    visitor.goto(f"{live_server}/public-register?q=ерлан")
    assert visitor.locator("table.public-register tbody tr").inner_text().strip() == \
        "Сәйкес келетін иелер жоқ."
    assert errors == []
