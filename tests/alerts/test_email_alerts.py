"""Status alerts by e-mail (issue 19), through the real SMTP fixture: nothing is sent before
the address confirms, every alert carries its unsubscribe link, and it works."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from certify.alerts.models import AlertSubscription
from certify.alerts.operations import CONFIRM, link_token
from certify.core.extensions import db
from tests.support import login


@pytest.fixture
def admin(app, certified):
    client = app.test_client()
    assert login(client, certified["admin"]).status_code == 302
    return client


def send(runner) -> None:
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/alerts/\S+)", message.get_content()).group(1)


def change_status(admin, certificate_id, action):
    assert admin.post(f"/certificates/{certificate_id}/{action}", data={
        "reason": "A confidential investigation.", "confirm": "y"}).status_code == 302


def test_an_email_subscription_is_confirmed_then_alerted_then_stopped(
        client, admin, runner, in_app, certified, smtp_server):
    number = certified["number"]
    send(runner)  # the award's own mail
    smtp_server.clear()
    answer = client.post(f"/verify/{number}/alerts", data={
        "organisation": "Qazaq Coal JSC", "channel": "email", "email": "HR@Example.org "})
    assert answer.status_code == 200
    assert "We have sent a confirmation link to hr@example.org" in answer.get_data(as_text=True)
    # A second address that never confirms gets nothing but its confirmation.
    client.post(f"/verify/{number}/alerts", data={
        "organisation": "Idle Ltd", "channel": "email", "email": "idle@example.org"})
    send(runner)
    assert [m["To"] for m in smtp_server] == ["hr@example.org", "idle@example.org"]
    confirmation = smtp_server[0]
    assert number in confirmation["Subject"]
    confirm = link_path(confirmation)
    assert "Qazaq Coal JSC" in client.get(confirm).get_data(as_text=True)
    assert client.post(confirm).status_code == 302

    change_status(admin, certified["id"], "suspend")
    send(runner)
    assert [m["To"] for m in smtp_server[2:]] == ["hr@example.org"]
    alert = smtp_server[2]
    text = alert.get_content()
    assert "suspended" in alert["Subject"].lower() and number in text
    assert "confidential" not in text  # the reason is not the subscriber's business
    unsubscribe = link_path(alert)
    assert unsubscribe.startswith("/alerts/unsubscribe/")
    assert client.get(unsubscribe).status_code == 200
    assert client.post(unsubscribe).status_code == 302

    change_status(admin, certified["id"], "reinstate")
    send(runner)
    assert len(smtp_server) == 3  # no more alerts
    assert client.get(unsubscribe).status_code == 404  # the link has done its work
    assert client.get(confirm).status_code == 404


def test_the_same_address_is_not_subscribed_twice(client, in_app, certified):
    form = {"organisation": "Qazaq Coal JSC", "channel": "email", "email": "hr@example.org"}
    assert client.post(f"/verify/{certified['number']}/alerts", data=form).status_code == 200
    again = client.post(f"/verify/{certified['number']}/alerts", data=form)
    assert again.status_code == 422
    assert "already follows this certificate" in again.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(AlertSubscription.id)))) == 1


def test_forged_or_expired_links_open_nothing(app, client, certified, monkeypatch):
    client.post(f"/verify/{certified['number']}/alerts", data={
        "organisation": "Qazaq Coal JSC", "channel": "email", "email": "hr@example.org"})
    assert client.get("/alerts/confirm/forged").status_code == 404
    assert client.post("/alerts/unsubscribe/forged").status_code == 404
    monkeypatch.setitem(app.config, "ALERTS_CONFIRM_DAYS", -1)  # every link already expired
    with app.app_context():
        token = link_token(db.session.scalar(sa.select(AlertSubscription)), CONFIRM)
    assert client.get(f"/alerts/confirm/{token}").status_code == 404
