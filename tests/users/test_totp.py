"""Second factor for administrators, coordinators and reviewers (OWASP ASVS 6.3.3)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from certify.core.extensions import db
from certify.users.models import User
from tests.support import login


@pytest.fixture
def required(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    yield
    app.config["REQUIRE_SECOND_FACTOR"] = False


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    done = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>",
                       done.get_data(as_text=True))
    return secret, codes


def test_staff_reach_nothing_until_they_enrol(app, required, create_user):
    admin = app.test_client()
    login(admin, create_user("admin"))
    response = admin.get("/users/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/second-factor"
    candidate = app.test_client()
    login(candidate, create_user("candidate"))
    assert candidate.get("/dashboard").status_code == 200  # candidates are not asked


def test_enrol_then_log_in_with_a_single_use_code(app, required, create_user, in_app):
    person = create_user("reviewer")
    client = app.test_client()
    login(client, person)
    for bad in ("000000", "١٢٣٤٥٦", "12345é"):  # Arabic-Indic digits found by hypothesis
        wrong = client.post("/account/second-factor", data={"code": bad})
        assert wrong.status_code == 200 and "not valid" in wrong.get_data(as_text=True)
    secret, codes = enrol(client)
    assert len(codes) == 10
    assert client.get("/reviews/").status_code == 200
    client.post("/logout")

    fresh = app.test_client()
    response = login(fresh, person)
    assert response.headers["Location"] == "/login/second-factor"
    assert fresh.get("/dashboard").status_code == 302  # the password alone is not enough
    code = pyotp.TOTP(secret).at(time.time() + 30)  # next step: not used at enrolment
    assert fresh.post("/login/second-factor", data={"code": code}).status_code == 302
    assert fresh.get("/reviews/").status_code == 200

    replay = app.test_client()
    login(replay, person)
    again = replay.post("/login/second-factor", data={"code": code})
    assert again.status_code == 200 and "already used" in again.get_data(as_text=True)

    assert replay.post("/login/second-factor", data={"code": codes[0]}).status_code == 302
    other = app.test_client()
    login(other, person)
    reused = other.post("/login/second-factor", data={"code": codes[0]})
    assert reused.status_code == 200  # a recovery code works once
    left = in_app(lambda: len(db.session.scalar(sa.select(User).where(
        User.id == person.id)).recovery_codes))
    assert left == 9


def test_second_factor_page_needs_a_password_first(client):
    assert client.get("/login/second-factor").headers["Location"] == "/login"
