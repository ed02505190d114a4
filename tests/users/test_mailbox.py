"""Password reset and address confirmation by mailed links: no enumeration, single use, expiry,
sessions ended, no way around the second factor, no mail flood."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users import mailbox, totp
from certify.users.models import User
from certify.users.operations import create_user as create
from tests.support import PASSWORD, login, mailed_link

NEW_PASSWORD = "a brand new passphrase here"


def notifications(in_app) -> list[tuple[int, str]]:
    return in_app(lambda: [(n.user_id, n.kind) for n in db.session.scalars(
        sa.select(Notification).order_by(Notification.id))])


def password_hash(in_app, person) -> str:
    return in_app(lambda: db.session.get(User, person.id).password_hash)


def ask_for_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email}, follow_redirects=True)


def test_reset_answers_alike_for_unknown_and_known_addresses(client, in_app, create_user):
    person = create_user("candidate")
    known = ask_for_reset(client, person.email).get_data(as_text=True)
    unknown = ask_for_reset(client, "nobody@example.org").get_data(as_text=True)
    assert "If an account uses" in known
    assert known.replace(person.email, "X") == unknown.replace("nobody@example.org", "X")
    assert notifications(in_app) == [(person.id, "password-reset")]


def test_reset_link_sets_a_new_password_once_and_ends_every_session(app, client, in_app,
                                                                    create_user):
    person = create_user("candidate")
    elsewhere = app.test_client()
    login(elsewhere, person)
    assert elsewhere.get("/dashboard").status_code == 200
    ask_for_reset(client, person.email)
    link = mailed_link(in_app, person.email, "password-reset")

    form = client.get(link)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    before = password_hash(in_app, person)
    weak = client.post(link, data={"new_password": "password1234",
                                   "new_password_again": "password1234"})
    assert weak.status_code == 200 and "too common" in weak.get_data(as_text=True)
    assert password_hash(in_app, person) == before

    done = client.post(link, data={"new_password": NEW_PASSWORD,
                                   "new_password_again": NEW_PASSWORD})
    assert done.headers["Location"] == "/login"
    assert elsewhere.get("/dashboard").status_code == 302  # the other session ended
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}
                       ).status_code == 200
    assert client.post("/login", data={"email": person.email, "password": NEW_PASSWORD}
                       ).headers["Location"] == "/dashboard"

    again = client.get(link)
    assert again.status_code == 400 and "used already" in again.get_data(as_text=True)
    actions = in_app(lambda: list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("auth.password_reset%"))
        .order_by(AuditEvent.id))))
    assert actions == ["auth.password_reset_requested", "auth.password_reset"]


@pytest.mark.parametrize("damage", ["expired", "tampered", "other purpose"])
def test_broken_links_are_refused_and_change_nothing(app, client, in_app, create_user,
                                                     monkeypatch, damage):
    person = create_user("candidate")
    ask_for_reset(client, person.email)
    link = mailed_link(in_app, person.email, "password-reset")
    if damage == "expired":
        monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
        expected = "expired"
    elif damage == "tampered":
        link = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
        expected = "not valid"
    else:  # a reset token used as a confirmation link
        link = link.replace("/password/reset/", "/register/confirm/")
        expected = "not valid"
    before = password_hash(in_app, person)
    if damage == "other purpose":
        refused = client.get(link)
    else:
        refused = client.post(link, data={"new_password": NEW_PASSWORD,
                                          "new_password_again": NEW_PASSWORD})
    assert refused.status_code == 400 and expected in refused.get_data(as_text=True)
    assert password_hash(in_app, person) == before


def test_a_reset_does_not_get_round_the_second_factor(client, in_app, create_user):
    admin = create_user("admin")

    def enrol():
        secret = totp.new_secret()
        assert totp.enable(db.session.get(User, admin.id), secret, pyotp.TOTP(secret).now())

    in_app(enrol)
    ask_for_reset(client, admin.email)
    link = mailed_link(in_app, admin.email, "password-reset")
    client.post(link, data={"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    response = client.post("/login", data={"email": admin.email, "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login/second-factor"
    assert client.get("/dashboard").status_code == 302


def test_requests_do_not_flood_a_mailbox_and_are_throttled_per_client(app, client, in_app,
                                                                      create_user):
    person = create_user("candidate")
    disabled = create_user("candidate")
    in_app(lambda: setattr(db.session.get(User, disabled.id), "is_enabled", False))
    limit = int(app.config["ACCOUNT_MAIL_LIMIT"].split()[0])
    for _ in range(limit - 1):
        assert ask_for_reset(client, person.email).status_code == 200
    assert ask_for_reset(client, disabled.email).status_code == 200
    assert notifications(in_app) == [(person.id, "password-reset")]
    throttled = client.post("/password/forgot", data={"email": person.email})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"]


def test_confirmation_link_is_checked_like_a_reset_link(client, in_app, create_user):
    def unconfirmed():
        return create(email="late@example.org", password=PASSWORD, full_name="Late Person",
                      country="KZ", roles=["candidate"], email_verified=False).id

    user_id = in_app(unconfirmed)
    client.post("/login", data={"email": "late@example.org", "password": PASSWORD})
    link = mailed_link(in_app, "late@example.org", "confirm-email")
    broken = client.get(link[:-2])
    assert broken.status_code == 400
    assert in_app(lambda: db.session.get(User, user_id).email_verified_at) is None
    assert client.get(link).status_code == 302
    assert in_app(lambda: db.session.get(User, user_id).email_verified_at) is not None
    assert client.get(link).status_code == 302  # a second click just says it is confirmed


def test_without_a_mail_server_send_outbox_prints_the_links(client, runner, in_app, create_user):
    """The demo has no SMTP: the reset link must still reach the person trying it."""
    person = create_user("candidate")
    ask_for_reset(client, person.email)
    link = mailed_link(in_app, person.email, "password-reset")
    sent = runner.invoke(args=["send-outbox"])
    assert sent.exit_code == 0 and "Sent 1 messages (log)." in sent.output
    assert f"To: {person.email}" in sent.output and link in sent.output


def _days_later(monkeypatch, days: float) -> None:
    """Links signed now are opened ``days`` later (itsdangerous reads the clock here)."""
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: now(self) + int(days * 24 * 3600))


@pytest.mark.parametrize(("days", "status"), [(6.9, 200), (7.1, 400)])
def test_an_imported_accounts_activation_link_lasts_seven_days_not_an_hour(
        app, client, in_app, create_user, monkeypatch, days, status):
    admin = create_user("admin")

    def imported():
        person = create(email="imported@example.kz", password=None, full_name="Imported One",
                        country="KZ", roles=["candidate"], email_verified=False)
        mailbox.send_activation(person, by=db.session.get(User, admin.id))

    in_app(imported)
    body = in_app(lambda: db.session.scalar(sa.select(Notification.body).where(
        Notification.kind == "account-created")))
    assert "within 7 days" in body
    link = mailed_link(in_app, "imported@example.kz", "account-created")
    assert link.startswith("/account/activate/")
    _days_later(monkeypatch, days)
    page = client.get(link)
    assert page.status_code == status
    if status == 400:
        assert "This link has expired" in page.get_data(as_text=True)
        return
    done = client.post(link, data={"new_password": NEW_PASSWORD,
                                   "new_password_again": NEW_PASSWORD})
    assert done.status_code == 302
    # Single use: the password it set changed the fingerprint it carries.
    assert "has been used already" in client.get(link).get_data(as_text=True)


def test_the_activation_lifetime_is_configurable_and_a_reset_link_is_no_activation_link(
        app, client, in_app, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_ACTIVATION_MAX_AGE_DAYS", 2)
    admin = create_user("admin")
    in_app(lambda: mailbox.send_activation(
        create(email="late@example.kz", password=None, full_name="Late Reader", country="KZ",
               roles=["candidate"], email_verified=False), by=db.session.get(User, admin.id)))
    assert "within 2 days" in in_app(lambda: db.session.scalar(
        sa.select(Notification.body).where(Notification.kind == "account-created")))
    link = mailed_link(in_app, "late@example.kz", "account-created")
    # Signed with its own salt: it does not open the (one-hour) reset page, nor the reverse.
    assert client.get(link.replace("/account/activate/", "/password/reset/")).status_code == 400
    _days_later(monkeypatch, 3)
    assert client.get(link).status_code == 400
