"""Registration, login, logout, password change and login throttling."""


import pytest
import sqlalchemy as sa

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.core.passwords import password_problems
from certify.users.models import Branch, User
from certify.web.config import Config
from tests.support import PASSWORD, login, mailed_link

REGISTRATION = {
    "email": "New.Person@Example.org ",
    "full_name": "Aliya Nurpeisova",
    "full_name_native": "Әлия Нұрпейісова",
    "affiliation": "Karaganda Technical University",
    "country": "KZ",
    "preferred_language": "kk",
    "password": "a long enough passphrase",
    "password_again": "a long enough passphrase",
    "accept_terms": "y",
}


def count_users(in_app) -> int:
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count(User.id))))


def kz_branch_id(in_app) -> int:
    return in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ")))


def test_candidate_registers_confirms_the_address_and_logs_in(client, in_app):
    response = client.post("/register", data=REGISTRATION | {"branch": kz_branch_id(in_app)})
    assert response.headers["Location"] == "/register/check-email"
    page = client.get("/register/check-email").get_data(as_text=True)
    assert "new.person@example.org" in page and "Check your email" in page
    stored = in_app(lambda: [
        (u.email, u.full_name_native, u.preferred_language, sorted(u.roles), u.branch.code,
         u.email_verified_at)
        for u in db.session.scalars(sa.select(User))
    ])
    assert stored == [("new.person@example.org", "Әлия Нұрпейісова", "kk", ["candidate"], "KZ",
                       None)]
    assert client.get("/dashboard").status_code == 302  # not logged in before confirming

    credentials = {"email": "new.person@example.org", "password": REGISTRATION["password"]}
    waiting = client.post("/login", data=credentials, follow_redirects=True)
    assert "Confirm your email address first" in waiting.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302

    link = mailed_link(in_app, "new.person@example.org", "confirm-email")
    confirmed = client.get(link, follow_redirects=True)
    assert "Your email address is confirmed" in confirmed.get_data(as_text=True)
    assert client.post("/login", data=credentials).headers["Location"] == "/dashboard"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Aliya Nurpeisova" in dashboard.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "Invalid email address"),
        ({"email": ""}, "This field is required"),
        ({"full_name": "  "}, "This field is required"),
        ({"password": "short", "password_again": "short"}, "at least 12 characters"),
        ({"password": "password1234", "password_again": "password1234"}, "too common"),
        ({"password_again": "something else entirely"}, "Passwords do not match"),
        ({"country": "ZZ"}, "Not a valid choice"),
        ({"branch": "999"}, "Not a valid choice"),
        ({"accept_terms": ""}, "Please accept to continue"),
        ({"full_name": "x" * 201}, "Field cannot be longer than 200 characters"),
    ],
)
def test_bad_registration_rerenders_with_a_message_and_writes_nothing(client, in_app, change,
                                                                      message):
    data = REGISTRATION | {"branch": kz_branch_id(in_app)} | change
    response = client.post("/register", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_users(in_app) == 0


def test_registering_an_existing_email_looks_the_same_and_tells_the_owner(client, in_app,
                                                                         create_user):
    owner = create_user("candidate", email="new.person@example.org")
    taken = client.post("/register", data=REGISTRATION | {"branch": kz_branch_id(in_app)})
    taken_page = client.get("/register/check-email").get_data(as_text=True)
    fresh_client = client.application.test_client()
    free = fresh_client.post("/register", data=REGISTRATION | {"branch": kz_branch_id(in_app),
                                                               "email": "new.person@example.org"})
    assert (taken.status_code, taken.headers["Location"]) == (free.status_code,
                                                              free.headers["Location"])
    assert fresh_client.get("/register/check-email").get_data(as_text=True) == taken_page
    assert count_users(in_app) == 1
    stored = in_app(lambda: db.session.get(User, owner.id).full_name)
    assert stored == owner.full_name  # the account is unchanged
    messages = in_app(lambda: [(n.user_id, n.kind) for n in db.session.scalars(
        sa.select(Notification))])
    assert messages == [(owner.id, "registration-attempt")]  # one, however often it is tried
    assert login(client, owner).headers["Location"] == "/dashboard"


def test_password_is_hashed_with_argon2id_at_asvs_strength(app, create_user, in_app):
    person = create_user("candidate")
    stored = in_app(lambda: db.session.get(User, person.id).password_hash)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    # Production parameters: OWASP ASVS 5.0 Appendix C (m >= 19 MiB, t >= 2, p = 1).
    assert Config.ARGON2_MEMORY_COST_KIB >= 19 * 1024
    assert Config.ARGON2_TIME_COST >= 2
    assert Config.ARGON2_PARALLELISM == 1


def test_login_logout(client, create_user):
    person = create_user("candidate")
    assert login(client, person).headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_login_follows_only_local_next_urls(client, create_user):
    person = create_user("candidate")
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": person.email, "password": person.password})
    assert response.headers["Location"] == "/dashboard"
    client.post("/logout")
    response = client.post("/login?next=/applications/",
                           data={"email": person.email, "password": person.password})
    assert response.headers["Location"] == "/applications/"


def test_unknown_email_and_wrong_password_get_the_same_answer(client, create_user, in_app):
    person = create_user("candidate")
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    wrong = client.post("/login", data={"email": person.email, "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 200
    assert "Invalid email or password." in unknown.get_data(as_text=True)
    assert "Invalid email or password." in wrong.get_data(as_text=True)
    failures = in_app(lambda: db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "auth.login_failed")))
    assert failures == 2


def test_disabled_user_cannot_log_in(client, create_user, in_app):
    person = create_user("candidate")

    def disable():
        db.session.get(User, person.id).is_enabled = False

    in_app(disable)
    response = login(client, person)
    assert response.status_code == 200
    assert "Invalid email or password." in response.get_data(as_text=True)


def test_session_is_new_after_login(client, create_user):
    person = create_user("candidate")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, person)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_failed_logins_are_throttled(client, create_user):
    person = create_user("candidate")
    for _ in range(10):
        assert client.post("/login", data={"email": person.email,
                                           "password": "wrong password!"}).status_code == 200
    blocked = client.post("/login", data={"email": person.email, "password": person.password})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60  # the 15-minute window


def test_successful_logins_do_not_count_towards_the_limit(client, create_user):
    person = create_user("candidate")
    for _ in range(12):
        assert login(client, person).status_code == 302
        client.post("/logout")


def test_password_change_requires_the_current_password(client, create_user, in_app):
    person = create_user("candidate")
    login(client, person)
    before = in_app(lambda: db.session.get(User, person.id).password_hash)
    response = client.post("/account/password", data={
        "current_password": "not the password", "new_password": "a brand new passphrase",
        "new_password_again": "a brand new passphrase"})
    assert response.status_code == 200
    assert "current password is not correct" in response.get_data(as_text=True)
    assert in_app(lambda: db.session.get(User, person.id).password_hash) == before


def test_password_change_ends_other_sessions(app, create_user):
    person = create_user("candidate")
    first, second = app.test_client(), app.test_client()
    login(first, person)
    login(second, person)
    response = first.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "new_password_again": "a brand new passphrase"})
    assert response.status_code == 302
    assert first.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302  # sent to log in again
    first.post("/logout")
    assert first.post("/login", data={"email": person.email,
                                      "password": "a brand new passphrase"}).status_code == 302


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("a brand new passphrase", "a different passphrase", "Passwords do not match."),
        ("short", "short", "at least 12 characters"),
        ("qwertyqwerty", "qwertyqwerty", "too common"),
    ],
)
def test_bad_new_password_changes_nothing(client, create_user, in_app, new, again, message):
    person = create_user("candidate")
    login(client, person)
    before = in_app(lambda: db.session.get(User, person.id).password_hash)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "new_password_again": again})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert in_app(lambda: db.session.get(User, person.id).password_hash) == before


def test_logout_ends_the_session_on_the_server(app, create_user):
    person = create_user("candidate")
    client = app.test_client()
    login(client, person)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/dashboard").status_code == 302  # sent to log in


@pytest.mark.parametrize(("method", "url", "data"), [
    ("GET", "/verify?number=UPME%00", None),
    ("GET", "/competitions/?q=a%00b", None),
    ("POST", "/login", {"email": "a\x00@example.org", "password": "x"}),
    ("POST", "/register", {"email": "a@example.org", "full_name": "Ali\x00"}),
])
def test_nul_bytes_are_refused_and_change_nothing(client, in_app, method, url, data):
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert count_users(in_app) == 0


def test_disabling_a_user_ends_their_sessions(app, create_user, in_app):
    person = create_user("candidate")
    admin = create_user("admin")
    session = app.test_client()
    login(session, person)
    assert session.get("/dashboard").status_code == 200
    staff = app.test_client()
    login(staff, admin)
    assert staff.post(f"/users/{person.id}/disable").status_code == 302
    assert session.get("/dashboard").status_code == 302  # the open session is gone
    assert login(app.test_client(), person).status_code == 200  # and no new one
    assert staff.post(f"/users/{admin.id}/disable", follow_redirects=True).status_code == 200
    assert in_app(lambda: db.session.get(User, admin.id).is_enabled) is True
    staff.post(f"/users/{person.id}/enable")
    assert login(app.test_client(), person).status_code == 302


@pytest.mark.parametrize(("password", "accepted"), [
    ("qwertyuiop123", False),  # in the breach corpora's 30,000 most common
    ("1qaz2wsx3edc", False),
    ("password1234", False),
    ("correct horse battery", True),
    ("Pässwörd-ĸey 🙂 long", True),  # any characters, none truncated or folded
    ("a" * 11, False),  # too short
    ("x" * 256, True),
])
def test_password_policy(app, password, accepted):
    with app.app_context():
        assert (password_problems(password) == []) is accepted
