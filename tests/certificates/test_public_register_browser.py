"""The public register in the browser, in Kazakh, at desk and phone width: a holder agrees on
their certificates page and appears; a visitor searches by native name and filters; the
holder withdraws on their account page and is gone (docs/register.md)."""

from __future__ import annotations

from tests.support import BROWSER_MARKS, assert_accessible

pytestmark = BROWSER_MARKS

MEASURE = "() => document.documentElement.scrollWidth - window.innerWidth"


def _log_in(page, live_server, person) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.click("main button[type=submit]")


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
    _log_in(page, live_server, person)
    page.goto(f"{live_server}/my/certificates/")
    assert "Сіз ашық тізілімге енгізілмегенсіз." in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(MEASURE) <= 0
    assert_accessible(page, "public-register-consent-kk-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Келісемін: мені ашық тізілімге енгізу").click()
    assert "Сіз ашық тізілімге енгізілдіңіз." in page.content()
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
    assert rows.count() == 1 and "Ерлан Әбілқасымов" in rows.inner_text()
    assert "country=KZ" in visitor.url and "specialism=ventilation_safety" in visitor.url
    assert visitor.evaluate(MEASURE) <= 0
    assert_accessible(visitor, "public-register-kk-1280")

    visitor.set_viewport_size({"width": 390, "height": 844})
    visitor.reload()
    assert visitor.evaluate(MEASURE) <= 0
    assert_accessible(visitor, "public-register-kk-390")
    visitor.get_by_role("link", name=number).click()
    assert f"/verify/{number}" in visitor.url

    _log_in(page, live_server, person)
    page.goto(f"{live_server}/account")
    assert_accessible(page, "public-register-account-kk-1280")
    page.get_by_role("button", name="Мені ашық тізілімнен шығару").click()
    assert "Сіз ашық тізілімнен шығарылдыңыз." in page.content()

    visitor.goto(f"{live_server}/public-register?q=ерлан")
    assert visitor.locator("table.public-register tbody tr").inner_text().strip() == \
        "Сәйкес келетін иелер жоқ."
    assert errors == []
