"""The layout at desk and phone width (issue 16): the header fits one line at 1280 px for every
role and language, and no main page scrolls sideways at 1280 or 390 px, in English and Kazakh
(Kazakh has the longest words of the three languages).

Debian's Chromium, driven by Playwright, against the live server (tests/conftest.py). The figures
measured are printed (``pytest -s``) for docs/ui.md.
"""

from __future__ import annotations

from playwright.sync_api import expect

from certify.core.extensions import db
from certify.users.models import User
from tests.support import BROWSER_MARKS, browser_log_in

pytestmark = BROWSER_MARKS

WIDTHS = (1280, 390)
LANGUAGES = ("en", "ru", "kk")
ONE_LINE = 80  # px: the header's height at 1280 px, whatever the role and language

MEASURE = """() => ({
    header: Math.round(document.querySelector('header').getBoundingClientRect().height),
    width: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
})"""


def test_header_one_line_and_no_sideways_scroll(live_server, browser, under_review,
                                                create_competition, workflow, in_app):
    admin, candidate = under_review["admin"], under_review["candidate"]
    reviewer = under_review["reviewers"][0]
    draft = workflow.start(create_competition(), candidate)
    pages = {
        admin: ["/dashboard", "/manage/applications/",
                f"/manage/applications/{under_review['application']}", "/users/",
                "/reviewers/"],
        reviewer: ["/dashboard", "/reviews/", f"/reviews/{under_review['reviews'][0]}"],
        candidate: ["/dashboard", "/applications/", f"/applications/{draft}", "/verify"],
    }

    def speak(person, language):
        db.session.get(User, person.id).preferred_language = language
        db.session.commit()

    figures, problems = [], []
    pages_seen = {}
    for person, paths in pages.items():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_log_in(page, live_server, person)
        for language in LANGUAGES:
            in_app(speak, person, language)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    page.goto(live_server + path)
                    seen = page.evaluate(MEASURE)
                    figures.append((person.full_name.split()[-1], language, width, path,
                                    seen["header"], seen["width"]))
                    if seen["width"] > seen["viewport"]:
                        problems.append(f"{path} {language} {width}: {seen['width']} px wide")
                    if width == 1280 and seen["header"] >= ONE_LINE:
                        problems.append(f"{path} {language}: header {seen['header']} px tall")
        pages_seen[person] = page

    # On a phone the menus fold behind one button, and still lead where they say.
    page = pages_seen[admin]
    page.goto(f"{live_server}/dashboard")
    page.get_by_text("Мәзір", exact=True).click()
    page.locator("header summary", has_text="Сараптама").click()
    page.get_by_role("navigation").get_by_role("link", name="Өтінімдер", exact=True).click()
    expect(page).to_have_url(f"{live_server}/manage/applications/")

    for row in figures:
        who, language, width, path, header, page_width = row
        print(f"{who:10} {language} {width:4} {path:32} header {header:4} px"
              f"  page {page_width:4} px")
    assert problems == []
