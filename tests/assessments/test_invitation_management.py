"""Staff manage invitations to review (issue 20): withdraw a waiting one (its link then says
so), send it again (a new link, the old one dead, a new expiry), invite in bulk with a preview
that names every bad line and writes nothing; the list shows who accepted and when."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from assessments.reviewers.models import ReviewerInvitation
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import User
from tests.support import counting_statements, login, mailed_link

NEW = "new.reviewer@example.org"


def invite(client, email=NEW, competition=0):
    return client.post("/reviewers/invite", data={"email": email, "competition": competition,
                                                  "language": "en"})


def invitation_id(in_app, email=NEW) -> int:
    return in_app(lambda: db.session.scalar(sa.select(ReviewerInvitation.id).where(
        ReviewerInvitation.email == email)))


def state(in_app, email=NEW) -> str:
    return in_app(lambda: str(db.session.scalar(sa.select(ReviewerInvitation.state).where(
        ReviewerInvitation.email == email))))


def count(in_app, model, *where) -> int:
    return in_app(lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(*where)))


def test_a_withdrawn_invitation_tells_the_invitee_and_writes_nothing_more(app, admin_client,
                                                                          in_app):
    invite(admin_client)
    link = mailed_link(in_app, NEW, "invitation")
    number = invitation_id(in_app)
    done = admin_client.post(f"/reviewers/invitations/{number}/withdraw", follow_redirects=True)
    assert "Invitation to new.reviewer@example.org withdrawn" in done.get_data(as_text=True)
    assert state(in_app) == "withdrawn"
    listed = admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert f"Withdrawn by {admin_client.person.full_name}" in listed

    users = count(in_app, User)
    visitor = app.test_client()
    for response in (visitor.get(link), visitor.post(link, data={"full_name": "X"}),
                     visitor.post(f"{link}/decline", data={"reason": "No."})):
        assert response.status_code == 400
        assert "This invitation has been withdrawn" in response.get_data(as_text=True)
    assert count(in_app, User) == users

    # Neither withdrawn again nor sent again: it is no longer waiting.
    for action in ("withdraw", "resend"):
        again = admin_client.post(f"/reviewers/invitations/{number}/{action}",
                                  follow_redirects=True)
        assert "no longer waiting for an answer" in again.get_data(as_text=True)
    assert count(in_app, AuditEvent, AuditEvent.action == "invitation.withdraw") == 1
    assert count(in_app, AuditEvent, AuditEvent.action == "invitation.resend") == 0


def test_an_answered_invitation_cannot_be_withdrawn(app, admin_client, in_app):
    invite(admin_client)
    link = mailed_link(in_app, NEW, "invitation")
    app.test_client().post(f"{link}/decline", data={"reason": "Too busy."})
    response = admin_client.post(f"/reviewers/invitations/{invitation_id(in_app)}/withdraw",
                                 follow_redirects=True)
    assert "no longer waiting for an answer: it is declined" in response.get_data(as_text=True)
    assert state(in_app) == "declined"


def test_sending_again_gives_a_new_link_and_expiry_and_kills_the_old_link(app, admin_client,
                                                                          in_app):
    invite(admin_client)
    first = mailed_link(in_app, NEW, "invitation")

    def expire():
        invitation = db.session.scalar(sa.select(ReviewerInvitation))
        invitation.created_at = utcnow() - timedelta(days=30)
        invitation.link_sent_at = invitation.created_at
        invitation.expires_at = utcnow() - timedelta(days=1)
    in_app(expire)
    assert "Expired" in admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert app.test_client().get(first).status_code == 400

    response = admin_client.post(f"/reviewers/invitations/{invitation_id(in_app)}/resend",
                                 follow_redirects=True)
    assert "sent again to new.reviewer@example.org" in response.get_data(as_text=True)
    second = mailed_link(in_app, NEW, "invitation")
    assert second != first
    body = in_app(lambda: db.session.scalar(sa.select(Notification.body).order_by(
        Notification.id.desc())))
    assert "replaces the one in any earlier message" in body
    expires = in_app(lambda: db.session.scalar(sa.select(ReviewerInvitation.expires_at)))
    assert expires > utcnow() + timedelta(days=13)
    visitor = app.test_client()
    assert visitor.get(first).status_code == 400
    assert "not valid" in visitor.get(first).get_data(as_text=True)
    assert visitor.get(second).status_code == 200
    assert "Pending" in admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert count(in_app, AuditEvent, AuditEvent.action == "invitation.resend") == 1


def test_coordinators_manage_only_their_branch_invitations(app, admin_client, create_user,
                                                            in_app):
    invite(admin_client, email="admins@example.org")
    coordinator = create_user("coordinator", branch="KZ")
    client = app.test_client()
    login(client, coordinator)
    number = invitation_id(in_app, "admins@example.org")
    assert client.post(f"/reviewers/invitations/{number}/withdraw").status_code == 403
    assert client.post(f"/reviewers/invitations/{number}/resend").status_code == 403
    assert client.post("/reviewers/invitations/99999/withdraw").status_code == 404
    assert state(in_app, "admins@example.org") == "sent"


def test_the_list_shows_who_accepted_when_in_a_fixed_number_of_queries(
        app, admin_client, create_user, in_app):
    for number in range(6):
        invite(admin_client, email=f"r{number}@example.org")
    link = mailed_link(in_app, "r0@example.org", "invitation")
    holder = create_user("candidate", email="r0@example.org", full_name="Dana Accepting")
    client = app.test_client()
    login(client, holder)
    declared = {"specialisms": ["mining"], "review_languages": ["en"]}
    assert client.post(link, data=declared).status_code == 302
    with counting_statements(app) as statements:
        page = admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert "Accepted by Dana Accepting on" in page
    assert len(statements) <= 12, statements


def bulk(client, addresses, competition=0, **extra):
    return client.post("/reviewers/invite/bulk", data={
        "addresses": addresses, "competition": competition, "language": "en"} | extra)


def test_bulk_preview_names_every_bad_line_and_writes_nothing(
        app, admin_client, create_user, create_competition, workflow, in_app):
    competition_id = create_competition()
    reviewer = create_user("reviewer", email="busy@example.org")
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    workflow.assign(application_id, reviewer, admin_client.person)
    invite(admin_client, email="waiting@example.org", competition=competition_id)
    create_user("candidate", email="off@example.org")
    in_app(lambda: setattr(db.session.scalar(sa.select(User).where(
        User.email == "off@example.org")), "is_enabled", False))
    before = (count(in_app, ReviewerInvitation), count(in_app, Notification),
              count(in_app, AuditEvent))
    text = ("good.one@example.org\n\nnot-an-address\nGood.One@example.org\n"
            "waiting@example.org\nbusy@example.org\noff@example.org\nsecond@example.org\n")
    preview = bulk(admin_client, text, competition_id, preview="1")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    for problem in ("Not an e-mail address.", "Listed already on line 1.",
                    "Invited already: the invitation is waiting for an answer.",
                    "Already a reviewer in this competition.",
                    "The account with this address is disabled."):
        assert problem in page, problem
    assert "2 of 7 addresses will be invited" in page and "Send 2 invitations" in page
    assert (count(in_app, ReviewerInvitation), count(in_app, Notification),
            count(in_app, AuditEvent)) == before

    digest = page.split('name="digest" type="hidden" value="')[1].split('"')[0]
    sent = bulk(admin_client, text, competition_id, digest=digest)
    assert sent.status_code == 302
    invited = in_app(lambda: set(db.session.scalars(sa.select(ReviewerInvitation.email).where(
        ReviewerInvitation.competition_id == competition_id))))
    assert invited == {"waiting@example.org", "good.one@example.org", "second@example.org"}
    assert count(in_app, AuditEvent, AuditEvent.action == "invitation.bulk") == 1
    assert mailed_link(in_app, "second@example.org", "invitation")
    # The same list confirmed again: the plan changed (both are waiting now), nothing sent.
    again = bulk(admin_client, text, competition_id, digest=digest)
    assert again.status_code == 422 and "changed since the preview" in again.get_data(
        as_text=True)
    assert count(in_app, ReviewerInvitation) == before[0] + 2


def test_bulk_from_a_csv_file_and_bad_files(admin_client, create_user, in_app):
    create_user("reviewer", email="pooled@example.org")
    data = "name,email\nA,a@example.org\nB,pooled@example.org\nC,\n".encode("utf-8-sig")
    preview = admin_client.post("/reviewers/invite/bulk", data={
        "competition": 0, "language": "ru", "preview": "1",
        "file": (io.BytesIO(data), "reviewers.csv")}, content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "a@example.org" in page and "Already in the reviewer pool." in page
    assert "1 of 2 addresses will be invited" in page
    assert count(in_app, ReviewerInvitation) == 0

    latin1 = admin_client.post("/reviewers/invite/bulk", data={
        "competition": 0, "language": "en", "preview": "1",
        "file": (io.BytesIO("é@example.org".encode("latin-1")), "x.csv")},
        content_type="multipart/form-data")
    assert latin1.status_code == 422 and "not a UTF-8 CSV file" in latin1.get_data(as_text=True)
    empty = bulk(admin_client, "  \n ", preview="1")
    assert empty.status_code == 422 and "List at least one address" in empty.get_data(
        as_text=True)
    nothing_good = bulk(admin_client, "pooled@example.org", preview="1")
    digest = nothing_good.get_data(as_text=True).split(
        'name="digest" type="hidden" value="')[1].split('"')[0]
    refused = bulk(admin_client, "pooled@example.org", digest=digest)
    assert refused.status_code == 422 and "No line of the list can be invited." in (
        refused.get_data(as_text=True))
    assert count(in_app, ReviewerInvitation) == 0


def test_the_preview_costs_the_same_queries_for_3_or_60_addresses(app, admin_client):
    def preview_statements(count):
        text = "\n".join(f"person{i}@example.org" for i in range(count))
        with counting_statements(app) as statements:
            assert bulk(admin_client, text, preview="1").status_code == 200
        return len(statements)
    assert preview_statements(3) == preview_statements(60)


def test_the_list_shows_the_pool_or_one_competition(admin_client, create_competition):
    competition_id = create_competition()
    invite(admin_client, email="pool@example.org")
    invite(admin_client, email="call@example.org", competition=competition_id)
    admin_client.get("/reviewers/invitations")  # the flashed confirmations shown once
    pool = admin_client.get("/reviewers/invitations?pool=1").get_data(as_text=True)
    assert "pool@example.org" in pool and "call@example.org" not in pool
    call = admin_client.get(f"/reviewers/invitations?competition={competition_id}"
                            ).get_data(as_text=True)
    assert "call@example.org" in call and "pool@example.org" not in call
