"""What the browser tests share: a live server, Debian's Chromium driven by Playwright, axe-core.

Registered as a plugin by tests/conftest.py (``pytest_plugins``), so its fixtures reach every
test module; the test modules import the helpers and ``BROWSER_MARKS`` by name.

Skipped, with the reason, where /usr/bin/chromium is missing (`make browser-deps` installs it;
`.ci/run` does so before the suite). Never downloads a browser.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from certify.core.extensions import db
from certify.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
# On a developer's machine without Chromium these are skipped with the reason; in CI, where
# `.ci/run` installs it first, a missing browser is a failure. A browser test module says
# `pytestmark = BROWSER_MARKS`.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI") != "true",
                       reason="needs Debian's chromium: run `make browser-deps`"),
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def live_app(app):
    """The app the live server serves: CSRF on, as in production, on the test database.

    A test may change its config (e.g. PUBLIC_BASE_URL) with monkeypatch before the requests.
    """
    live = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True,
                       "DATABASE_URL": app.config["DATABASE_URL"],
                       "SIGNING_KEY_DIR": str(Path(app.instance_path) / "keys"),
                       "UPLOAD_DIR": str(Path(app.instance_path) / "uploads")})
    yield live
    with live.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """``live_app`` served on a free port of the loopback address; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


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
