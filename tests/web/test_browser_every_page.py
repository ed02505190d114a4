"""Every page of the URL map, as each kind of user sees it, at desk and phone width (issue 16):
no page scrolls sideways, axe finds nothing serious or critical, and a screenshot of each is
kept under test-artifacts/pages/ for people to look at.

The pages are those the access matrix (tests/support.py) answers 200 for the role, on the
access scenario's data (tests/conftest.py); files (CSV, XLSX, PDF, JSON, images) are left out.
"""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe

from tests.support import ARTIFACTS, BROWSER_MARKS, MATRIX, ROLES, browser_log_in, route_url

pytestmark = BROWSER_MARKS

SEEN_AS = ("anonymous", "owner", "reviewer", "coordinator", "admin")
WIDTHS = (1280, 390)

MEASURE = """() => ({width: document.documentElement.scrollWidth, viewport: window.innerWidth})"""


def _pages(app, values, role: str) -> list[str]:
    """The pages the role may open; for a signed-in role, those a visitor cannot (the public
    pages are checked once, as the anonymous visitor sees them: signed in, only the header
    differs, and the journeys check the header for every role and language)."""
    own = values["own"].get(role, {})

    def opens(endpoint_codes, who: str) -> bool:
        return endpoint_codes[ROLES.index(who)] == 200

    return sorted({route_url(app, endpoint, values | own)
                   for (method, endpoint), codes in MATRIX.items()
                   if method == "GET" and opens(codes, role)
                   and (role == "anonymous" or not opens(codes, "anonymous"))})


def test_every_page_fits_both_widths_and_passes_axe(app, live_server, browser, scenario):
    people, values = scenario
    problems, visited = [], 0
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    for role in SEEN_AS:
        page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
        if role != "anonymous":
            person = people[role]
            browser_log_in(page, live_server, person)
        html = []
        for path in _pages(app, values, role):
            answer = page.request.get(live_server + path)
            if answer.ok and answer.headers.get("content-type", "").startswith("text/html"):
                html.append(path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in html:
                page.goto(live_server + path)
                visited += 1
                seen = page.evaluate(MEASURE)
                if seen["width"] > seen["viewport"]:
                    problems.append(f"{role} {width}px {path}: {seen['width']} px wide")
                severe = [f"{v['id']} ({v['impact']})"
                          for v in axe.run(page).response["violations"]
                          if v["impact"] in ("serious", "critical")]
                if severe:
                    problems.append(f"{role} {width}px {path}: {', '.join(severe)}")
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                page.screenshot(path=str(folder / f"{role}-{width}-{name}.png"))
        page.close()
    assert visited > 100
    assert problems == [], "\n".join(problems)
