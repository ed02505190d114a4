"""A company's journey in a real browser, in English (issue 19): from a certificate's
verification page it subscribes a webhook, an administrator revokes the certificate, and the
company's receiver gets the alert, signed so that the reference verifier accepts it."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from certify.web.config import LOCAL_BASE_URL as PUBLIC_BASE_URL
from tests.support import BROWSER_MARKS, assert_accessible
from tests.support.journeys import open_page

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_company_subscribes_on_the_verification_page_and_hears_of_the_revocation(
        live_server, browser, runner, certified, receiver):
    number = certified["number"]
    page, errors = open_page(browser, locale="en-GB")
    page.goto(f"{live_server}/verify/{number}")
    page.get_by_role("link", name="Get alerts when the status of this certificate changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Status alerts")
    assert_accessible(page, "alerts-en-1-subscribe")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("Organisation").fill("Kazakh Mining Co.")
    page.get_by_label("By a webhook (for your systems)").check()
    page.get_by_label("Webhook address").fill(receiver.url)
    page.get_by_role("button", name="Subscribe").click()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    expect(page.locator("main")).to_contain_text("it is shown only once")
    assert_accessible(page, "alerts-en-2-secret")

    admin, admin_errors = open_page(browser, locale="en-GB")
    admin.goto(f"{live_server}/login")
    admin.get_by_label("Email").fill(certified["admin"].email)
    admin.get_by_label("Password").fill(certified["admin"].password)
    admin.locator("main").get_by_role("button", name="Log in").click()
    admin.goto(f"{live_server}/certificates/{certified['id']}")
    admin.locator("#reason-status").fill("Obtained with forged evidence.")
    admin.locator("#confirm-status").check()
    admin.get_by_role("button", name="Revoke").click()
    expect(admin.locator("main")).to_contain_text(f"Certificate {number} revoked.")

    assert "1 delivered" in runner.invoke(args=["alerts", "deliver"]).output
    [request] = receiver.received
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "certificate.revoked"
    assert payload["data"] == {"number": number, "status": "revoked",
                               "verification_url": f"{PUBLIC_BASE_URL}/verify/{number}"}

    admin.goto(f"{live_server}/manage/alerts/deliveries")
    expect(admin.locator("main table")).to_contain_text("HTTP 200")
    assert_accessible(admin, "alerts-en-3-delivery-log")
    assert errors == [] and admin_errors == []
