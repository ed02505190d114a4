"""Journeys in a real browser: Debian's Chromium driven by Playwright against a live server.

Skipped, with the reason, where /usr/bin/chromium is missing (`make browser-deps` installs it;
`.ci/run` does so before the suite). Never downloads a browser.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from certify import create_app
from certify.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
# On a developer's machine without Chromium these are skipped with the reason; in CI, where
# `.ci/run` installs it first, a missing browser is a failure.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI") != "true",
                       reason="needs Debian's chromium: run `make browser-deps`"),
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def live_server(app):
    """The app with CSRF on, as in production, serving the test database on a free port."""
    live = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True,
                       "DATABASE_URL": app.config["DATABASE_URL"],
                       "SIGNING_KEY_DIR": str(Path(app.instance_path) / "keys"),
                       "UPLOAD_DIR": str(Path(app.instance_path) / "uploads")})
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with live.app_context():
        db.engine.dispose()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def assert_accessible(page, screenshot: str | None = None) -> None:
    """axe-core on the page as it stands: no serious or critical violation (WCAG 2.1 AA).

    A journey step names its screenshot, kept under test-artifacts/ for people to look at.
    """
    from axe_playwright_python.sync_playwright import Axe

    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)

    results = Axe().run(page)
    severe = [f"{v['id']} ({v['impact']}): {v['help']} — "
              + "; ".join(node["target"][0] for node in v["nodes"][:3])
              for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert severe == [], f"{page.url}\n" + "\n".join(severe)


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        instance = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield instance
        instance.close()


def test_candidate_registers_applies_with_evidence_and_submits(live_server, browser,
                                                               create_competition, in_app,
                                                               tmp_path):
    from assessments.models import Application, Evidence

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
    assert "Welcome!" in page.content()
    assert_accessible(page, "candidate-2-welcome")

    page.goto(f"{live_server}/competitions/{competition_id}")
    page.click("text=Start my application")
    assert "saved as a draft" in page.content()
    assert_accessible(page, "candidate-3-draft")

    evidence = tmp_path / "diploma.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("input[form=evidence-0][type=file]", str(evidence))
    page.click("button[form=evidence-0]")
    assert "C1: evidence added." in page.content()

    page.check("#eligibility_confirmed")
    for index in range(3):
        page.check(f"input[name='answers-{index}-level'][value='3']")
        page.fill(f"#answers-{index}-narrative", f"What I did for criterion {index + 1}.")
    counter = page.locator(".counter").first.text_content()
    assert counter.endswith("/ 5000")  # the live count, from our own script
    page.click("#submit")
    assert "Your application has been submitted." in page.content()
    assert_accessible(page, "candidate-4-submitted")
    assert errors == []

    def stored():
        application = db.session.scalar(sa.select(Application))
        return application.state, db.session.scalar(sa.select(sa.func.count(Evidence.id)))

    assert in_app(stored) == ("submitted", 1)


def test_public_verification_in_russian(live_server, browser, award, in_app):
    from certify.certificates.models import Certificate

    award()
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    page = browser.new_page(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    page.goto(f"{live_server}/verify")
    assert_accessible(page, "verify-ru-1-form")
    page.fill("#number", number.lower())
    page.click("main form button[type=submit] >> nth=0")
    body = page.content()
    assert "Этот сертификат подлинный и действителен." in body
    assert page.locator(".check.ok").count() >= 5
    assert_accessible(page, "verify-ru-2-result")
    pdf = page.request.get(f"{live_server}/certificates/{number}.pdf?lang=kk")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


SKIPPED_PAGES = (".pdf", ".json", ".csv", ".xlsx", "/api/", "/status/", "/healthz", "/issuer",
                 "/static/", "/logout", "/language", "/evidence/")


def html_pages(app, values) -> list[str]:
    """Every GET route of the URL map, filled in with the scenario's ids."""
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or any(part in rule.rule for part in SKIPPED_PAGES):
            continue
        try:
            path = rule.build({name: values[name] for name in rule.arguments})[1]
        except KeyError:
            continue
        if not any(part in path for part in SKIPPED_PAGES):
            pages.append(path)
    return sorted(set(pages))


@pytest.mark.parametrize("role", ["admin", "reviewer", "owner", None])
def test_every_page_passes_axe(app, live_server, browser, scenario, role):
    people, values = scenario
    page = browser.new_page()
    if role is not None:
        page.goto(f"{live_server}/login")
        page.fill("#email", people[role].email)
        page.fill("#password", people[role].password)
        page.click("main button[type=submit]")
    checked, problems = 0, []
    for path in html_pages(app, values):
        try:
            response = page.goto(f"{live_server}{path}")
        except Exception as error:  # a file download, not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status != 200 or "text/html" not in (
                response.headers.get("content-type") or ""):
            continue
        checked += 1
        try:
            assert_accessible(page)
        except AssertionError as problem:
            problems.append(str(problem).split("\nassert")[0])
    assert checked >= 5
    assert problems == [], "\n".join(problems)
