"""Mail delivery through a real SMTP server (aiosmtpd): STARTTLS with a verified certificate,
a recipient refused for good, a server that is down, back-off, giving up, the administrators'
view of failed mail and sending it again, and `send-outbox --watch` (issue 17)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification, queue_to_address
from tests.support import self_signed_certificate

GOOD, REFUSED, BUSY = "good@example.org", "nobody@example.org", "busy@example.org"


@pytest.fixture
def queued(in_app):
    def put(*addresses: str) -> list[int]:
        def write():
            return [queue_to_address(address, "en", "test", f"test:{address}",
                                     lambda a=address: (f"Hello {a}", "Body")).id
                    for address in addresses]
        return in_app(write)
    return put


def messages(in_app) -> dict[str, Notification]:
    def read():
        rows = db.session.scalars(sa.select(Notification)).all()
        db.session.expunge_all()
        return {row.address: row for row in rows}
    return in_app(read)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_starttls_sends_to_a_server_whose_certificate_is_trusted(
        app, runner, in_app, queued, start_smtp_server, tmp_path, monkeypatch):
    certificate, key = self_signed_certificate(tmp_path)
    received = start_smtp_server(tls=(certificate, key))  # refuses mail before STARTTLS
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_CA_FILE", str(certificate))
    queued(GOOD)
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 messages (smtp)." in result.output
    assert [m["To"] for m in received] == [GOOD]


def test_starttls_does_not_send_to_an_untrusted_certificate(
        app, runner, in_app, queued, start_smtp_server, tmp_path, monkeypatch):
    received = start_smtp_server(tls=self_signed_certificate(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)  # and no MAIL_CA_FILE
    queued(GOOD)
    result = runner.invoke(args=["send-outbox"])
    assert "Sent 0 messages (smtp). 1 postponed, 0 failed." in result.output
    assert received == []
    message = messages(in_app)[GOOD]
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
    assert message.sent_at is None and message.failed_at is None and message.attempts == 1


def test_a_refused_recipient_fails_for_good_and_the_others_go(
        runner, in_app, queued, start_smtp_server):
    received = start_smtp_server(refuse={REFUSED: "550 5.1.1 No such user",
                                         BUSY: "450 4.2.1 Mailbox busy"})
    queued(REFUSED, GOOD, BUSY)
    result = runner.invoke(args=["send-outbox"])
    assert "Sent 1 messages (smtp). 1 postponed, 1 failed." in result.output
    assert [m["To"] for m in received] == [GOOD]
    rows = messages(in_app)
    assert rows[REFUSED].failed_at is not None and "550" in rows[REFUSED].last_error
    assert rows[BUSY].failed_at is None and rows[BUSY].next_attempt_at is not None
    assert "450" in rows[BUSY].last_error
    assert rows[GOOD].sent_at is not None and rows[GOOD].attempts == 0


def test_a_server_that_is_down_postpones_with_growing_pauses_then_gives_up(
        app, runner, in_app, queued, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    queued(GOOD)

    def attempt_now():
        result = runner.invoke(args=["send-outbox"])
        assert result.exit_code == 0, result.output
        return messages(in_app)[GOOD]

    first = attempt_now()
    assert first.attempts == 1 and "ConnectionRefusedError" in first.last_error
    pause = first.next_attempt_at - utcnow()
    assert timedelta(seconds=55) < pause <= timedelta(seconds=60)
    # Not due yet: the next pass leaves it alone.
    assert attempt_now().attempts == 1

    def make_due():
        db.session.execute(sa.update(Notification).values(
            next_attempt_at=utcnow() - timedelta(seconds=1)))
    in_app(make_due)
    second = attempt_now()
    assert second.attempts == 2
    assert timedelta(seconds=115) < second.next_attempt_at - utcnow() <= timedelta(seconds=120)
    in_app(make_due)
    third = attempt_now()
    assert third.attempts == 3 and third.failed_at is not None and third.next_attempt_at is None


def test_administrators_see_failed_mail_and_send_it_again(
        admin_client, client, create_user, runner, in_app, queued, start_smtp_server):
    received = start_smtp_server(refuse={REFUSED: "550 5.1.1 No such user"})
    queued(REFUSED)
    runner.invoke(args=["send-outbox"])
    page = admin_client.get("/manage/outbox?state=problems")
    assert page.status_code == 200
    assert REFUSED in page.text and "550 5.1.1 No such user" in page.text
    assert "1 result<" in page.text

    message_id = messages(in_app)[REFUSED].id
    again = admin_client.post(f"/manage/outbox/{message_id}/retry", follow_redirects=True)
    assert "The message will be sent on the next pass" in again.text
    row = messages(in_app)[REFUSED]
    assert row.failed_at is None and row.attempts == 0
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count()).where(
        AuditEvent.action == "outbox.retry"))) == 1
    # A message that has not failed cannot be "sent again": refused, nothing changes.
    refused = admin_client.post(f"/manage/outbox/{message_id}/retry", follow_redirects=True)
    assert "Only a failed message can be sent again." in refused.text
    # The server accepts the address now (the mailbox was created): the next pass delivers.
    received_again = start_smtp_server()
    runner.invoke(args=["send-outbox"])
    assert [m["To"] for m in received_again] == [REFUSED] and received == []


def test_watch_sends_what_is_queued_while_it_runs(runner, queued, start_smtp_server):
    received = start_smtp_server()
    queued(GOOD)
    result = runner.invoke(args=["send-outbox", "--watch", "--interval", "0.1",
                                 "--rounds", "2"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in received] == [GOOD]
    assert result.output.count("Sent 1 messages (smtp).") == 1  # idle passes say nothing
