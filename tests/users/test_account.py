"""One's own account (issue 16): the profile, a new address proven by a mailed link, the
notifications page, the list of one's certificates, and the workflow's receipt and award mails."""

from __future__ import annotations

import re
from dataclasses import replace

import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.users.models import User
from tests.support import counting_statements, login, mailed_link


def test_the_profile_is_kept_up_by_its_owner(app, create_user, in_app):
    person = create_user("candidate", full_name="Aigerim Sadykova")
    client = app.test_client()
    login(client, person)
    page = client.get("/account").get_data(as_text=True)
    assert 'value="Aigerim Sadykova"' in page
    assert "/account/password" in page and "/account/second-factor" in page
    bad = client.post("/account", data={"full_name": "", "affiliation": "Satbayev University",
                                        "full_name_native": "Әйгерім Садықова",
                                        "preferred_language": "kk"})
    assert bad.status_code == 422 and "Әйгерім Садықова" in bad.get_data(as_text=True)
    done = client.post("/account", data={
        "full_name": "Aigerim Sadykova-Bek", "full_name_native": "Әйгерім Садықова",
        "affiliation": "Satbayev University", "preferred_language": "kk"})
    assert done.status_code == 302

    def stored():
        user = db.session.get(User, person.id)
        audited = db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.action == "user.profile"))
        return (user.full_name, user.full_name_native, user.affiliation,
                user.preferred_language, audited)

    assert in_app(stored) == ("Aigerim Sadykova-Bek", "Әйгерім Садықова",
                              "Satbayev University", "kk", "user.profile")


def test_each_language_is_named_in_itself_and_marked_so(app, create_user):
    # On a Russian page "English" and "Қазақша" are words of other languages (WCAG 3.1.2).
    person = create_user("candidate", language="ru")
    client = app.test_client()
    login(client, person)
    page = client.get("/account").get_data(as_text=True)
    for code, name in (("en", "English"), ("ru", "Русский"), ("kk", "Қазақша")):
        option = re.search(rf'<option[^>]*value="{code}"[^>]*>([^<]*)</option>', page)
        assert option[1] == name and f'lang="{code}"' in option[0]


def test_a_new_address_is_proven_by_a_single_use_link(app, create_user, in_app):
    person = create_user("candidate", email="old@example.org")
    client = app.test_client()
    login(client, person)
    wrong = client.post("/account/email", data={"new_email": "new@example.org",
                                                "current_password": "not mine"})
    assert wrong.status_code == 422
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    asked = client.post("/account/email", data={"new_email": "New@Example.org",
                                                "current_password": person.password})
    assert asked.status_code == 302
    # Nothing changes until the link is opened; the address in use is told.
    assert in_app(lambda: db.session.get(User, person.id).email) == "old@example.org"
    assert "new@example.org" in mailed_link_body(in_app, "old@example.org",
                                                 "email-change-notice")
    link = mailed_link(in_app, "new@example.org", "email-change-link")
    anyone = app.test_client()
    shown = anyone.get(link)
    assert shown.status_code == 200 and "new@example.org" in shown.get_data(as_text=True)
    assert in_app(lambda: db.session.get(User, person.id).email) == "old@example.org"
    assert anyone.post(link).status_code == 302
    assert in_app(lambda: db.session.get(User, person.id).email) == "new@example.org"
    again = anyone.post(link)
    assert again.status_code == 400 and "used already" in again.get_data(as_text=True)
    # The next login is with the new address.
    assert login(app.test_client(), replace(person, email="new@example.org")).status_code == 302


def test_an_expired_or_forged_change_link_changes_nothing(app, create_user, in_app):
    person = create_user("candidate", email="keep@example.org")
    forged = URLSafeTimedSerializer("not the key", salt="certify-change-email").dumps(
        [person.id, "keep@example.org", "thief@example.org"])
    assert app.test_client().post(f"/account/email/{forged}").status_code == 400
    app.config["EMAIL_CONFIRM_MAX_AGE"], before = -1, app.config["EMAIL_CONFIRM_MAX_AGE"]
    try:
        with app.test_request_context():
            token = URLSafeTimedSerializer(app.config["SECRET_KEY"],
                                           salt="certify-change-email").dumps(
                [person.id, "keep@example.org", "late@example.org"])
        expired = app.test_client().post(f"/account/email/{token}")
    finally:
        app.config["EMAIL_CONFIRM_MAX_AGE"] = before
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert in_app(lambda: db.session.get(User, person.id).email) == "keep@example.org"


def test_an_address_in_use_gets_no_link(app, create_user, in_app):
    create_user("candidate", email="taken@example.org")
    person = create_user("candidate")
    client = app.test_client()
    login(client, person)
    answer = client.post("/account/email", data={"new_email": "taken@example.org",
                                                 "current_password": person.password},
                         follow_redirects=True)
    assert "A link has been sent to taken@example.org" in answer.get_data(as_text=True)
    assert mailed_link_body(in_app, "taken@example.org", "email-change-link") is None


def mailed_link_body(in_app, address, kind):
    from certify.core.outbox import Notification

    return in_app(lambda: db.session.scalar(sa.select(Notification.body).where(
        Notification.address == address, Notification.kind == kind)))


def test_notifications_and_certificates_of_the_signed_in_person(app, award, create_user,
                                                                in_app, runner, smtp_server):
    holder = create_user("candidate", full_name="Marat Bekov")
    award(holder)
    award()  # another holder's certificate
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number).where(
        Certificate.holder_id == holder.id)))
    client = app.test_client()
    login(client, holder)
    page = client.get("/my/notifications").get_data(as_text=True)
    assert "Application received: Test call" in page
    assert "Decision on your application: Awarded" in page
    assert f"Your certificate number: {number}." in page
    with counting_statements(app) as statements:
        listed = client.get("/my/certificates/")
    assert listed.status_code == 200
    body = listed.get_data(as_text=True)
    assert f'href="/my/certificates/{number}"' in body
    assert body.count('href="/my/certificates/') == 1  # not the other holder's
    assert len(statements) <= 6
    # The same messages by SMTP: the receipt, and the award mail with its number.
    runner.invoke(args=["send-outbox"])
    to_holder = {m["Subject"]: m.get_content() for m in smtp_server if m["To"] == holder.email}
    assert "Application received: Test call" in to_holder
    assert number in to_holder["Decision on your application: Awarded"]


def test_a_mailed_secret_link_is_not_shown_in_the_app(app, create_user):
    """A password-reset link proves the mailbox: a session alone must not yield it."""
    person = create_user("candidate")
    app.test_client().post("/password/forgot", data={"email": person.email})
    client = app.test_client()
    login(client, person)
    page = client.get("/my/notifications").get_data(as_text=True)
    assert "Reset your password" in page
    assert "/password/reset/" not in page and "read it in your mailbox" in page
