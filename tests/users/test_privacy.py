"""The privacy notice (issue 20; ISO/IEC 17024 §7.1, §7.3): public and versioned, linked from
the footer and every consent box; each person's consent per version; a newer version is
accepted before anything else, and logging out still works meanwhile."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.users import privacy
from certify.users.models import Branch, PrivacyConsent, User
from tests.support import counting_statements, login

REGISTRATION = {
    "email": "privacy.person@example.org", "full_name": "Dana Serikova",
    "affiliation": "Karaganda Technical University", "country": "KZ",
    "preferred_language": "ru", "password": "a long enough passphrase",
    "password_again": "a long enough passphrase", "accept_terms": "y",
}


def consents(in_app, email) -> list[tuple[str, str]]:
    return in_app(lambda: [tuple(row) for row in db.session.execute(
        sa.select(PrivacyConsent.version, PrivacyConsent.language).join(
            User, User.id == PrivacyConsent.user_id).where(User.email == email)
        .order_by(PrivacyConsent.id))])


def test_the_notice_is_public_in_each_language_and_linked_from_the_footer(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in page
    english = client.get("/privacy").get_data(as_text=True)
    assert "International Competence Centre" in english and "ISO/IEC 17024" in english
    assert "currently 3" in english  # the configured retention of unsuccessful evidence
    client.post("/language/ru", data={})
    russian = client.get("/privacy").get_data(as_text=True)
    assert "О персональных данных и их защите" in russian
    client.post("/language/kk", data={})
    kazakh = client.get(f"/privacy/{privacy.current_version()}").get_data(as_text=True)
    assert "Дербес деректер және оларды қорғау туралы" in kazakh
    assert client.get("/privacy/1999-01").status_code == 404


def test_registration_links_the_notice_and_records_consent_to_its_version(client, in_app):
    form = client.get("/register").get_data(as_text=True)
    assert 'href="/privacy"' in form and "Read the privacy notice" in form
    refused = client.post("/register", data=REGISTRATION | {"accept_terms": ""})
    assert refused.status_code == 200
    assert consents(in_app, REGISTRATION["email"]) == []
    client.post("/language/ru", data={})
    branch = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ")))
    assert client.post("/register", data=REGISTRATION | {"branch": branch}).status_code == 302
    assert consents(in_app, REGISTRATION["email"]) == [(privacy.current_version(), "ru")]
    actions = in_app(lambda: list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action == "privacy.consent"))))
    assert actions == ["privacy.consent"]


def test_a_newer_version_is_accepted_before_anything_else_and_logout_still_works(
        app, client, in_app, create_user):
    person = create_user("candidate", consents=False)

    def agreed_to_an_earlier_version():
        user = db.session.get(User, person.id)
        db.session.add(PrivacyConsent(user_id=user.id, version="2025-01", language="en"))

    in_app(agreed_to_an_earlier_version)
    login(client, person)
    gated = client.get("/dashboard")
    assert gated.status_code == 302 and gated.location.endswith("/privacy/accept")
    assert client.get("/applications/").location.endswith("/privacy/accept")
    page = client.get("/privacy/accept").get_data(as_text=True)
    assert "The privacy notice has changed" in page and "I accept the privacy notice" in page
    assert client.get("/privacy").status_code == 200

    out = client.post("/logout")
    assert out.status_code == 302 and not out.location.endswith("/privacy/accept")
    assert client.get("/dashboard").location.startswith("/login")

    login(client, person)
    accepted = client.post("/privacy/accept", data={})
    assert accepted.location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert consents(in_app, person.email) == [("2025-01", "en"),
                                              (privacy.current_version(), "en")]
    assert "You have accepted this version" in client.get("/privacy/accept").get_data(
        as_text=True)


def test_accounts_with_a_current_consent_are_not_stopped(client, in_app, create_user):
    person = create_user("candidate", consents=False)
    in_app(lambda: privacy.record_consent(db.session.get(User, person.id), "kk"))
    in_app(lambda: privacy.record_consent(db.session.get(User, person.id), "en"))  # once
    assert consents(in_app, person.email) == [(privacy.current_version(), "kk")]
    login(client, person)
    assert client.get("/dashboard").status_code == 200


def test_the_consent_gate_reads_nothing_beyond_the_signed_in_user(app, client, create_user):
    """Asked on every signed-in request, the gate learns the answer in the statement that
    loads the user: no statement of its own."""
    login(client, create_user("candidate"))
    with counting_statements(app) as statements:
        assert client.get("/account").status_code == 200
    consent_reads = [s for s in statements if "privacy_consents" in s]
    assert len(consent_reads) == 1, "\n".join(consent_reads)
    assert "FROM users" in consent_reads[0] and "session_token" in consent_reads[0]


@pytest.mark.parametrize("role", ["candidate", "reviewer", "coordinator", "admin"])
def test_an_account_never_asked_accepts_the_notice_first_staff_included(
        client, in_app, create_user, role):
    # Made by staff, the CLI or an import: no consent row. Before issue 20's follow-up these
    # accounts were never asked.
    person = create_user(role, consents=False)
    login(client, person)
    assert client.get("/dashboard").location.endswith("/privacy/accept")
    page = client.get("/privacy/accept").get_data(as_text=True)
    assert "please read the privacy notice and accept it" in page
    assert "has changed" not in page
    assert client.post("/privacy/accept", data={}).location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert consents(in_app, person.email) == [(privacy.current_version(), "en")]


def test_the_cli_and_the_demo(app, runner, in_app):
    made = runner.invoke(args=["create-user", "--email", "cli.person@example.org", "--name",
                               "Cli Person", "--role", "admin", "--password",
                               "a long enough passphrase"])
    assert made.exit_code == 0, made.output
    assert consents(in_app, "cli.person@example.org") == []  # asked at the first request
    assert runner.invoke(args=["demo"]).exit_code == 0
    demo_people = in_app(lambda: db.session.scalar(sa.select(sa.func.count(User.id))))
    demo_consents = in_app(lambda: db.session.scalar(
        sa.select(sa.func.count(PrivacyConsent.user_id.distinct()))))
    assert demo_consents == demo_people - 1


def test_staff_who_must_enrol_a_second_factor_and_accept_the_notice_are_not_looped(
        app, client, in_app, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_SECOND_FACTOR", True)
    person = create_user("coordinator", consents=False)
    in_app(lambda: db.session.add(PrivacyConsent(user_id=person.id, version="2025-01",
                                                 language="en")))
    login(client, person)
    # The two gates send each other through, never round in a loop: the second factor first.
    assert client.get("/dashboard").location.endswith("/privacy/accept")
    assert client.get("/privacy/accept").location.endswith("/account/second-factor")
    assert client.get("/account/second-factor").status_code == 200
