"""The API docs on a phone (390 px wide), in Kazakh (its words run longest): the page never
scrolls sideways, long commands and JSON scroll inside their own box, and axe finds nothing
serious. One page load."""

from __future__ import annotations

from tests.support import BROWSER_MARKS, assert_accessible

pytestmark = BROWSER_MARKS


def test_api_docs_fit_a_phone(live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844},
                            extra_http_headers={"Accept-Language": "kk"})
    page.goto(f"{live_server}/api/v1/docs")
    assert "Деректер түрлері" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = page.evaluate("""[...document.querySelectorAll('pre.code, .table-scroll')].map(
        box => [box.getBoundingClientRect().right, box.scrollWidth > box.clientWidth])""")
    assert len(boxes) > 30 and all(right <= 390 for right, _ in boxes)
    assert any(scrolls for _, scrolls in boxes)  # the long ones scroll inside their box
    assert_accessible(page)
