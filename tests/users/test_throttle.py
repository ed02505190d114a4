"""Login throttling that cannot be turned into a lockout, second-factor guesses per pending login
and per account, and a pending login that does not carry the session token (issue 14)."""

from __future__ import annotations

import json

import pyotp
import pytest
from flask.sessions import SecureCookieSessionInterface

from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import User
from tests.support import login

WRONG = "wrong password!"


def from_address(app, number: int):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.{number // 250}.{number % 250}"
    return client


def fail(client, person, password=WRONG):
    return client.post("/login", data={"email": person.email, "password": password})


@pytest.fixture
def config(app):
    """Change settings for one test."""
    saved = dict(app.config)

    def change(**values):
        app.config.update(values)

    yield change
    app.config.clear()
    app.config.update(saved)


def test_failures_from_ten_addresses_do_not_lock_the_owner_out(app, create_user):
    person = create_user("admin")
    for number in range(10):
        assert fail(from_address(app, number), person).status_code == 200
    owner = from_address(app, 200)
    assert login(owner, person).status_code == 302
    assert owner.get("/dashboard").status_code == 200


def test_failures_from_one_address_are_still_throttled(app, create_user):
    person = create_user("candidate")
    guesser = from_address(app, 1)
    for _ in range(10):
        assert fail(guesser, person).status_code == 200
    assert login(guesser, person).status_code == 429
    assert login(from_address(app, 2), person).status_code == 302


def test_the_account_ceiling_stops_many_addresses_but_not_a_known_device(app, create_user,
                                                                         config):
    config(LOGIN_ACCOUNT_LIMIT="5 per hour")
    person = create_user("candidate")
    owner = from_address(app, 100)
    assert login(owner, person).status_code == 302  # this browser is now known to the account
    owner.post("/logout")
    for number in range(5):
        assert fail(from_address(app, number), person).status_code == 200
    stranger = from_address(app, 101)
    assert login(stranger, person).status_code == 429
    forged = from_address(app, 102)
    forged.set_cookie("certify_device", "not-a-signed-cookie")
    assert login(forged, person).status_code == 429
    # The known browser passes the ceiling, even from another address.
    owner.environ_base["REMOTE_ADDR"] = "10.7.7.7"
    assert login(owner, person).status_code == 302
    assert owner.get("/dashboard").status_code == 200


def with_second_factor(in_app, person) -> str:
    secret = pyotp.random_base32()

    def enable():
        user = db.session.get(User, person.id)
        user.totp_secret = secret
        user.totp_enabled_at = utcnow()

    in_app(enable)
    return secret


def wrong_code(secret: str) -> str:
    right = pyotp.TOTP(secret)
    return next(code for code in ("000000", "111111", "222222")
                if not right.verify(code, valid_window=2))


def test_a_pending_login_is_dropped_after_five_wrong_codes(app, create_user, in_app):
    person = create_user("reviewer")
    secret = with_second_factor(in_app, person)
    client = from_address(app, 1)
    assert login(client, person).headers["Location"] == "/login/second-factor"
    for number in range(4):
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{number}"
        assert client.post("/login/second-factor",
                           data={"code": wrong_code(secret)}).status_code == 200
    client.environ_base["REMOTE_ADDR"] = "10.1.0.9"
    fifth = client.post("/login/second-factor", data={"code": wrong_code(secret)})
    assert fifth.status_code == 302 and fifth.headers["Location"] == "/login"
    # Even the right code does not finish the dropped login: the password is asked again.
    right = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_a_replayed_pending_login_cookie_does_not_reset_the_count(app, create_user, in_app):
    person = create_user("reviewer")
    secret = with_second_factor(in_app, person)
    client = from_address(app, 1)
    login(client, person)
    saved = client.get_cookie("session").value
    for _ in range(5):
        client.post("/login/second-factor", data={"code": wrong_code(secret)})
    client.set_cookie("session", saved)
    right = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_second_factor_guesses_are_limited_per_account(app, create_user, in_app):
    person = create_user("reviewer")
    secret = with_second_factor(in_app, person)
    guesses = 0
    for pending in range(3):  # fresh pending logins from fresh addresses: 4 guesses each
        client = from_address(app, 10 + pending)
        login(client, person)
        for _ in range(4):
            if guesses < 10:
                client.post("/login/second-factor", data={"code": wrong_code(secret)})
                guesses += 1
    client = from_address(app, 50)
    login(client, person)
    blocked = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert blocked.status_code == 429
    assert client.get("/dashboard").status_code == 302


def test_the_pending_login_cookie_does_not_carry_the_session_token(app, create_user, in_app):
    person = create_user("reviewer")
    secret = with_second_factor(in_app, person)
    client = app.test_client()
    assert login(client, person).headers["Location"] == "/login/second-factor"
    cookie = client.get_cookie("session").value
    decoded = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie)
    token = in_app(lambda: db.session.get(User, person.id).session_token)
    assert token not in json.dumps(decoded, default=str)
    assert token not in cookie
    # The reference still finishes the login.
    done = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_a_password_reset_ends_a_pending_login(app, create_user, in_app):
    person = create_user("reviewer")
    secret = with_second_factor(in_app, person)
    client = app.test_client()
    login(client, person)
    in_app(lambda: db.session.get(User, person.id).rotate_session_token())
    right = client.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302
