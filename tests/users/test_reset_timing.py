"""A password-reset request does the same work whether or not the address has an account, so its
timing does not tell them apart (issue 14). Structural, not timed: the same SQL statements, the
same outbox write (a row only when there is someone to mail), one audit entry each."""

from __future__ import annotations

import re

import sqlalchemy as sa

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.outbox import Notification
from tests.support import counting_statements


def shape(statement: str) -> str:
    """The statement's kind and table, e.g. 'INSERT notifications'."""
    words = re.findall(r"[a-z_]+", statement.lower())
    tables = {"users", "user_roles", "notifications", "audit_events"}
    table = next((word for word in words if word in tables), "")
    return f"{words[0].upper()} {table}"


def ask_for_reset(app, email: str) -> tuple[list[str], list[str]]:
    """The shapes of the statements the request sent, and the outbox writes in full."""
    client = app.test_client()
    with counting_statements(app) as statements:
        response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 302
    return ([shape(statement) for statement in statements],
            [statement for statement in statements if shape(statement) == "INSERT notifications"])


def test_known_and_unknown_addresses_do_the_same_work(app, create_user, in_app):
    person = create_user("candidate")
    known, known_write = ask_for_reset(app, person.email)
    unknown, unknown_write = ask_for_reset(app, "nobody@example.org")
    # within ten minutes: nothing more is queued
    again, again_write = ask_for_reset(app, person.email)
    assert known == unknown == again
    assert "INSERT notifications" in unknown
    # Not only the same kind of statement: the very same one, whether a row is written or not.
    assert len(known_write) == 1 and known_write == unknown_write == again_write
    mails = in_app(lambda: list(db.session.scalars(sa.select(Notification.user_id))))
    assert mails == [person.id]  # nothing is sent for the unknown address, nor twice
    requests = in_app(lambda: db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "auth.password_reset_requested")))
    assert requests == 3
