"""Status alerts by webhook (issue 19): signed as Standard Webhooks specify, checked with the
reference verifier (the `standardwebhooks` package, as a subscriber would), retried with
back-off and logged; refused for private addresses in production; stopped by the holder."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from certify.alerts.models import AlertSubscription, DeliveryAttempt, Ending, WebhookDelivery
from certify.alerts.outbound import RefusedAddress, check_url
from certify.certificates.models import Certificate
from certify.certificates.operations import (
    approve_renewal,
    must_pass_criteria,
    record_reassessment,
    request_renewal,
)
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import User
from tests.support import PASSWORD, log_cpd, login


def subscribe(client, number, url, organisation="Kazakh Mining Co."):
    return client.post(f"/verify/{number}/alerts", data={
        "organisation": organisation, "channel": "webhook", "webhook_url": url})


def shown_secret(response) -> str:
    return re.search(r'value="(whsec_[^"]+)"', response.get_data(as_text=True)).group(1)


def change_status(admin_client, certificate_id, action):
    response = admin_client.post(f"/certificates/{certificate_id}/{action}", data={
        "reason": "Under investigation by the branch.", "confirm": "y"})
    assert response.status_code == 302


@pytest.fixture
def admin(app, certified):
    client = app.test_client()
    assert login(client, certified["admin"]).status_code == 302
    return client


def deliver(runner) -> str:
    result = runner.invoke(args=["alerts", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_revocation_reaches_the_webhook_signed_and_verifiable(client, admin, runner,
                                                                certified, receiver):
    page = subscribe(client, certified["number"], receiver.url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    secret = shown_secret(page)
    change_status(admin, certified["id"], "revoke")
    assert "1 delivered" in deliver(runner)

    [request] = receiver.received
    assert request.path == "/hooks/certify"
    payload = Webhook(secret).verify(request.body, request.headers)  # raises if forged
    assert payload["type"] == "certificate.revoked"
    assert payload["data"]["number"] == certified["number"]
    assert payload["data"]["status"] == "revoked"
    assert payload["data"]["verification_url"].endswith(f"/verify/{certified['number']}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", payload["timestamp"])
    # Nothing private of the holder: no name, no reason.
    assert b"investigation" not in request.body
    assert set(payload["data"]) == {"number", "status", "verification_url"}
    with pytest.raises(Exception, match="(?i)signature"):
        Webhook(secret).verify(request.body.replace(b"revoked", b"valid"), request.headers)
    assert "0 delivered" in deliver(runner)  # delivered once


def test_a_failed_attempt_is_retried_with_back_off_and_logged(app, client, admin, runner,
                                                              in_app, certified, receiver,
                                                              monkeypatch):
    subscribe(client, certified["number"], receiver.url)
    receiver.answers = [500, 200]
    change_status(admin, certified["id"], "suspend")
    assert "1 postponed" in deliver(runner)
    next_attempt = in_app(lambda: db.session.scalar(sa.select(WebhookDelivery.next_attempt_at)))
    assert next_attempt > utcnow() + timedelta(seconds=50)  # 60 s, the first pause
    assert "0 delivered, 0 postponed" in deliver(runner)  # not due yet

    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SECONDS", 0)
    in_app(lambda: db.session.execute(sa.update(WebhookDelivery).values(next_attempt_at=None)))
    assert "1 delivered" in deliver(runner)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # the same message
    assert first.body == second.body
    attempts = in_app(lambda: [(a.status_code, a.error, a.duration_ms >= 0) for a in
                               db.session.scalars(sa.select(DeliveryAttempt)
                                                  .order_by(DeliveryAttempt.id))])
    assert attempts == [(500, None, True), (200, None, True)]

    log = admin.get("/manage/alerts/deliveries").get_data(as_text=True)
    assert "HTTP 500" in log and "HTTP 200" in log and "Delivered" in log
    assert certified["number"] in log


def test_after_the_last_attempt_the_delivery_fails(app, client, admin, runner, in_app,
                                                   certified, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SECONDS", 0)
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 3)
    subscribe(client, certified["number"], receiver.url)
    receiver.answers = [503, 302, 500, 200]
    change_status(admin, certified["id"], "suspend")
    outputs = [deliver(runner) for _ in range(4)]
    assert "1 failed" in outputs[2] and "0 delivered, 0 postponed, 0 failed" in outputs[3]
    assert len(receiver.received) == 3  # the redirect was not followed
    assert in_app(lambda: db.session.execute(sa.select(
        WebhookDelivery.attempts, WebhookDelivery.failed_at.is_not(None))).one()) == (3, True)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://[::1]/hook",
    "https://localhost/hook", "https://169.254.169.254/latest/meta-data",
    "https://[::ffff:127.0.0.1]/hook", "http://93.184.215.14/hook",
    "https://user:pw@93.184.215.14/hook", "not an address",
])
def test_production_refuses_private_or_plain_webhook_addresses(app, client, in_app, certified,
                                                               monkeypatch, url):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    response = subscribe(client, certified["number"], url)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Kazakh Mining Co." in text  # what was typed stays
    assert re.search(r"private or local network|must start with https|not a webhook address",
                     text)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(AlertSubscription.id)))) == 0


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1",
                                     "100.64.0.1", "169.254.1.1", "224.0.0.1",
                                     "0.0.0.0",  # noqa: S104 - an address refused, not bound
                                     "240.0.0.1", "::1", "fe80::1", "fc00::1", "ff02::1",
                                     "::ffff:10.0.0.1"])
def test_every_non_public_address_is_refused(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(RefusedAddress) as refused:
        check_url(f"https://{host}/hook")
    assert refused.value.reason == "private"


def test_a_public_address_passes_and_tests_may_allow_private_ones():
    assert check_url("https://93.184.215.14/hook") == ["93.184.215.14"]
    assert check_url("http://127.0.0.1:9/hook", allow_private=True) == ["127.0.0.1"]


def test_the_address_is_checked_again_at_delivery(app, client, admin, runner, in_app,
                                                  certified, receiver, monkeypatch):
    subscribe(client, certified["number"], receiver.url)  # allowed while subscribing (tests)
    change_status(admin, certified["id"], "suspend")
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    assert "1 postponed" in deliver(runner)
    assert receiver.received == []
    error = in_app(lambda: db.session.scalar(sa.select(DeliveryAttempt.error)))
    assert error.startswith("refused address: scheme")


def test_the_holder_sees_and_refuses_a_subscriber(app, client, admin, runner, in_app, certified,
                                                  receiver):
    subscribe(client, certified["number"], receiver.url, organisation="Altyn Ore LLP")
    change_status(admin, certified["id"], "suspend")  # queued, not yet sent
    holder = app.test_client()
    email = in_app(lambda: db.session.get(User, certified["holder_id"]).email)
    assert holder.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    page = holder.get(f"/my/certificates/{certified['number']}").get_data(as_text=True)
    assert "Altyn Ore LLP" in page and "Webhook" in page
    subscription_id = in_app(lambda: db.session.scalar(sa.select(AlertSubscription.id)))
    refused = holder.post(f"/my/certificates/{certified['number']}/alerts/{subscription_id}"
                          "/refuse")
    assert refused.status_code == 302
    after = holder.get(f"/my/certificates/{certified['number']}").get_data(as_text=True)
    assert "will no longer be told" in after
    assert "No organisation follows the status of this certificate." in after

    change_status(admin, certified["id"], "reinstate")
    deliver(runner)
    assert receiver.received == []  # neither the waiting alert nor the new one
    ending = in_app(lambda: db.session.scalar(sa.select(AlertSubscription.ending)))
    assert ending == Ending.refused
    # Someone else cannot refuse it, nor see it.
    again = holder.post(f"/my/certificates/{certified['number']}/alerts/999/refuse")
    assert again.status_code == 404


def test_a_subscriber_deletes_its_webhook_with_the_secret(client, admin, runner, certified,
                                                          receiver):
    secret = shown_secret(subscribe(client, certified["number"], receiver.url))
    wrong = client.post("/alerts/webhooks/delete", data={"secret": "whsec_bm90IGl0"})
    assert wrong.status_code == 404
    assert "No webhook subscription has this secret." in wrong.get_data(as_text=True)
    assert client.post("/alerts/webhooks/delete", data={"secret": ""}).status_code == 422
    assert client.post("/alerts/webhooks/delete", data={"secret": secret}).status_code == 200
    change_status(admin, certified["id"], "suspend")
    deliver(runner)
    assert receiver.received == []
    assert client.post("/alerts/webhooks/delete", data={"secret": secret}).status_code == 404


def test_expiry_is_announced_once_however_often_the_command_runs(runner, in_app, certified,
                                                                 client, receiver):
    subscribe(client, certified["number"], receiver.url)

    def expire():
        certificate = db.session.get(Certificate, certified["id"])
        certificate.valid_from = utcnow().date() - timedelta(days=400)
        certificate.valid_until = utcnow().date() - timedelta(days=2)

    in_app(expire)
    assert "Queued 1 expiry alerts." in runner.invoke(args=["alerts", "expiries"]).output
    assert "Queued 0 expiry alerts." in runner.invoke(args=["alerts", "expiries"]).output
    deliver(runner)
    [request] = receiver.received
    payload = json.loads(request.body)
    assert payload["type"] == "certificate.expired"
    assert payload["data"]["status"] == "expired"


def test_a_renewal_names_the_new_certificate_and_the_subscription_follows_it(
        client, runner, in_app, certified, receiver):
    subscribe(client, certified["number"], receiver.url)

    def renew():
        certificate = db.session.get(Certificate, certified["id"])
        certificate.valid_until = utcnow().date() + timedelta(days=100)
        holder = db.session.get(User, certified["holder_id"])
        log_cpd(holder.id, certificate.track.value)  # the log meets the track's rule
        renewal = request_renewal(certificate, narrative="Courses and projects.", by=holder)
        admin = db.session.get(User, certified["admin"].id)
        record_reassessment(renewal, {criterion.id: (criterion.max_level, "Still holds.")
                                      for criterion in must_pass_criteria(renewal)}, by=admin)
        return approve_renewal(renewal, reason="Enough development.", by=admin).number

    new_number = in_app(renew)
    deliver(runner)
    payload = json.loads(receiver.received[0].body)
    assert payload["type"] == "certificate.renewed"
    assert payload["data"]["new_number"] == new_number
    followed = in_app(lambda: db.session.scalar(
        sa.select(Certificate.number).join(AlertSubscription)))
    assert followed == new_number


def test_bad_input_re_renders_the_form_with_what_was_typed(client, certified):
    number = certified["number"]
    missing = client.post(f"/verify/{number}/alerts", data={
        "organisation": "", "channel": "email", "email": "hr@example.org"})
    assert missing.status_code == 422
    assert "hr@example.org" in missing.get_data(as_text=True)
    no_url = client.post(f"/verify/{number}/alerts", data={
        "organisation": "Mine", "channel": "webhook", "webhook_url": ""})
    assert no_url.status_code == 422
    assert "Give the address to send alerts to." in no_url.get_data(as_text=True)
    assert client.get("/verify/NO-SUCH-NUMBER/alerts").status_code == 404


def test_subscribing_is_rate_limited_per_address(app, client, certified, receiver,
                                                 monkeypatch):
    monkeypatch.setitem(app.config, "ALERTS_RATE_LIMIT", "2 per hour")
    for _ in range(2):
        assert subscribe(client, certified["number"], receiver.url).status_code == 200
    assert subscribe(client, certified["number"], receiver.url).status_code == 429
    assert client.get(f"/verify/{certified['number']}/alerts").status_code == 200


def test_the_delivery_service_keeps_sending_as_alerts_come(client, admin, runner, certified,
                                                           receiver):
    subscribe(client, certified["number"], receiver.url)
    change_status(admin, certified["id"], "suspend")
    result = runner.invoke(args=["alerts", "deliver", "--watch", "--interval", "0.1",
                                 "--rounds", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("delivered") == 1  # said once: the second pass had nothing
    assert len(receiver.received) == 1
