"""Reviewer invitations (issue 20): the mailed link accepts once, creates the account when
there is none, records what the reviewer declares; misused links are refused and write
nothing; reminders; what staff see."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assessments.models import Conflict
from assessments.reviewers.models import ReviewerInvitation
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import ReviewerProfile, Role, User
from tests.support import PASSWORD, login, mailed_link

NEW = "new.reviewer@example.org"


def invite(client, email=NEW, competition=0, language="en", follow=False):
    return client.post("/reviewers/invite", data={"email": email, "competition": competition,
                                                  "language": language},
                       follow_redirects=follow)


def account_form(**changes):
    data = {"full_name": "Aigerim Nurlanovna", "full_name_native": "Әйгерім Нұрланқызы",
            "affiliation": "Satbayev University", "country": "KZ", "preferred_language": "en",
            "branch": "1", "password": PASSWORD, "password_again": PASSWORD,
            "accept_terms": "y", "specialisms": ["geotechnics", "mining"],
            "review_languages": ["ru", "kk"], "max_open_reviews": "3"}
    return data | changes


def count(in_app, model) -> int:
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def invitation_row(in_app, email=NEW) -> tuple[str, str]:
    """(state, token hash) of the newest invitation to the address."""
    return in_app(lambda: db.session.execute(
        sa.select(ReviewerInvitation.state, ReviewerInvitation.token_hash)
        .where(ReviewerInvitation.email == email).order_by(ReviewerInvitation.id.desc())
    ).first())


def test_the_mailed_link_creates_a_reviewer_with_profile_and_conflicts(
        app, admin_client, runner, smtp_server, in_app, create_user, create_competition,
        workflow):
    competition_id = create_competition()
    other_call = create_competition()
    known = workflow.submitted(competition_id, create_user(
        "candidate", full_name="Known Candidate", affiliation="Karaganda TU"))
    other = workflow.submitted(competition_id, create_user("candidate"))
    answer = invite(admin_client, competition=competition_id, language="ru", follow=True)
    assert "Invitation sent to new.reviewer@example.org." in answer.get_data(as_text=True)

    sent = runner.invoke(args=["send-outbox"])
    # The invitation, and the two candidates' receipts of their submissions.
    assert "Sent 3 messages (smtp)." in sent.output, sent.output
    [message] = [m for m in smtp_server if m["To"] == NEW]
    assert message["To"] == NEW and message["Subject"] == "Приглашение к экспертизе"
    text = message.get_content()
    assert "Тестовый конкурс" in text and admin_client.person.full_name in text
    link = re.search(r"https?://[^/\s]+(/invitations/\S+)", text).group(1)
    token = link.rsplit("/", 1)[1]
    assert invitation_row(in_app)[1] != token  # only its hash is stored

    visitor = app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    assert f"Application No. {known}: Known Candidate, Karaganda TU" in page
    accepted = visitor.post(link, data=account_form(conflicts=[str(known)],
                                                    conflict_reason="My former student."))
    assert accepted.status_code == 302 and accepted.location.endswith("/reviews/")

    def stored():
        user = db.session.scalar(sa.select(User).where(User.email == NEW))
        profile = db.session.get(ReviewerProfile, user.id)
        conflicts = db.session.execute(sa.select(Conflict.application_id, Conflict.reason)
                                       .where(Conflict.reviewer_id == user.id)).all()
        invitation = db.session.scalar(sa.select(ReviewerInvitation))
        return (user.roles, user.email_verified_at is not None, user.full_name_native,
                profile.specialisms, profile.review_languages, profile.max_open_reviews,
                conflicts, str(invitation.state), invitation.user_id == user.id)

    assert in_app(stored) == ({Role.reviewer}, True, "Әйгерім Нұрланқызы",
                              ["geotechnics", "mining"], ["kk", "ru"], 3,
                              [(known, "My former student.")], "accepted", True)
    assert other != known
    # Logged in straight away, as the new reviewer.
    assert "My reviews" in visitor.get("/reviews/").get_data(as_text=True)
    listed = admin_client.get(f"/reviewers/invitations?competition={competition_id}")
    assert NEW in listed.get_data(as_text=True) and "Accepted" in listed.get_data(as_text=True)
    assert NEW not in admin_client.get(f"/reviewers/invitations?competition={other_call}"
                                       ).get_data(as_text=True)
    actions = in_app(lambda: set(db.session.scalars(sa.select(AuditEvent.action))))
    assert {"invitation.send", "invitation.accept", "reviewer.profile"} <= actions

    # Used twice: refused, nothing more written.
    users = count(in_app, User)
    again = app.test_client().post(link, data=account_form(full_name="Someone Else"))
    assert again.status_code == 400
    assert "This invitation has been answered already." in again.get_data(as_text=True)
    assert count(in_app, User) == users


def test_a_blind_competition_lists_applications_by_number_only(
        app, admin_client, in_app, create_user, create_competition, workflow):
    competition_id = create_competition(blind=True)
    application_id = workflow.submitted(competition_id, create_user(
        "candidate", full_name="Hidden Candidate", affiliation="Secret Institute"))
    invite(admin_client, competition=competition_id)
    page = app.test_client().get(mailed_link(in_app, NEW, "invitation")).get_data(as_text=True)
    assert f"Application No. {application_id}" in page
    assert "Hidden Candidate" not in page and "Secret Institute" not in page


@pytest.mark.parametrize("misuse", ["expired", "tampered", "declined"])
def test_a_misused_link_is_refused_and_writes_nothing(app, admin_client, in_app, misuse):
    invite(admin_client)
    link = mailed_link(in_app, NEW, "invitation")
    if misuse == "expired":
        def age():
            invitation = db.session.scalar(sa.select(ReviewerInvitation))
            invitation.created_at = utcnow() - timedelta(days=30)
            invitation.expires_at = utcnow() - timedelta(seconds=1)
        in_app(age)
        message = "This invitation has expired."
    elif misuse == "tampered":
        link = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
        message = "This invitation link is not valid."
    else:
        assert app.test_client().post(f"{link}/decline",
                                      data={"reason": "Too busy."}).status_code == 302
        message = "This invitation has been answered already."
    before = (count(in_app, User), count(in_app, ReviewerProfile), count(in_app, AuditEvent))
    client = app.test_client()
    for response in (client.get(link), client.post(link, data=account_form()),
                     client.post(f"{link}/decline", data={"reason": "No."})):
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert (count(in_app, User), count(in_app, ReviewerProfile),
            count(in_app, AuditEvent)) == before


def test_an_account_holder_answers_only_from_their_own_account(
        app, admin_client, in_app, create_user):
    candidate = create_user("candidate", email="holder@example.org")
    stranger = create_user("candidate")
    invite(admin_client, email=candidate.email)
    link = mailed_link(in_app, candidate.email, "invitation")
    declaration = {"specialisms": ["surveying"], "review_languages": ["en"]}

    anonymous = app.test_client().get(link)
    assert anonymous.status_code == 200
    assert "/login?next=/invitations/" in anonymous.get_data(as_text=True)

    wrong = app.test_client()
    login(wrong, stranger)
    assert wrong.get(link).status_code == 403
    refused = wrong.post(link, data=declaration)
    assert refused.status_code == 403
    assert "sent to another address" in refused.get_data(as_text=True)
    assert wrong.post(f"{link}/decline", data={"reason": "Not me."}).status_code == 403
    assert in_app(lambda: str(db.session.scalar(sa.select(ReviewerInvitation)).state)) == "sent"
    assert in_app(lambda: db.session.get(User, stranger.id).roles) == {Role.candidate}

    owner = app.test_client()
    login(owner, candidate)
    assert owner.post(link, data={"specialisms": []}).status_code == 422  # must choose
    assert owner.post(link, data=declaration).status_code == 302
    assert in_app(lambda: db.session.get(User, candidate.id).roles) == {Role.candidate,
                                                                        Role.reviewer}
    granted = in_app(lambda: [(e.actor_id, e.data) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "user.role_grant",
                                    AuditEvent.object_id == candidate.id))])
    assert granted == [(candidate.id, {"role": "reviewer"})]  # the invitation is the authority


def test_bad_input_rerenders_with_the_typed_values_and_writes_nothing(app, admin_client,
                                                                      in_app):
    invite(admin_client)
    link = mailed_link(in_app, NEW, "invitation")
    client = app.test_client()
    users = count(in_app, User)
    for changes, problem in (
            ({"full_name": "Aigerim\u202eNurlanovna"}, "direction-changing characters"),
            ({"password": "short", "password_again": "short"}, "at least 12 characters"),
            ({"specialisms": ["astrology"]}, "is not a valid choice"),
            ({"max_open_reviews": "0"}, "Number must be between 1 and 100.")):
        response = client.post(link, data=account_form(**changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and problem in page, problem
        assert 'value="Satbayev University"' in page
    assert count(in_app, User) == users
    assert str(invitation_row(in_app)[0]) == "sent"


def test_declining_needs_a_reason_and_staff_see_it(app, admin_client, in_app):
    invite(admin_client)
    link = mailed_link(in_app, NEW, "invitation")
    client = app.test_client()
    assert client.post(f"{link}/decline", data={"reason": " "}).status_code == 422
    assert str(invitation_row(in_app)[0]) == "sent"
    assert client.post(f"{link}/decline", data={"reason": "On leave until June."}
                       ).status_code == 302
    page = admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert "Declined" in page and "On leave until June." in page


def test_a_second_invitation_waits_for_the_first_answer(admin_client, in_app):
    assert invite(admin_client).status_code == 302
    again = invite(admin_client)
    assert again.status_code == 422
    assert "waiting for an answer already" in again.get_data(as_text=True)
    assert count(in_app, ReviewerInvitation) == 1


def test_coordinators_invite_for_their_branch_and_see_its_invitations(
        app, admin_client, create_user, create_competition, in_app):
    coordinator = create_user("coordinator", branch="KZ")
    ru_only = create_competition(branches=("RU",))
    client = app.test_client()
    login(client, coordinator)
    refused = invite(client, email="x@example.org", competition=ru_only)
    assert refused.status_code == 422 and count(in_app, ReviewerInvitation) == 0
    assert invite(client, email="kz@example.org").status_code == 302
    invite(admin_client, email="admin-own@example.org")
    listed = client.get("/reviewers/invitations").get_data(as_text=True)
    assert "kz@example.org" in listed and "admin-own@example.org" not in listed
    everything = admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert "kz@example.org" in everything and "admin-own@example.org" in everything


def test_reminders_go_at_most_the_configured_times_each_with_a_new_link(
        app, admin_client, runner, in_app):
    app.config["INVITATION_MAX_REMINDERS"] = 2
    invite(admin_client)
    first = mailed_link(in_app, NEW, "invitation")
    assert "Queued 0 reminders." in runner.invoke(args=["notify-invitations"]).output

    def newest_link_sent_a_week_ago():
        invitation = db.session.scalar(sa.select(ReviewerInvitation))
        invitation.created_at = utcnow() - timedelta(days=9)
        invitation.link_sent_at = utcnow() - timedelta(days=7)
    links = [first]
    for _number in (1, 2):
        in_app(newest_link_sent_a_week_ago)
        assert "Queued 1 reminders." in runner.invoke(args=["notify-invitations"]).output
        # Run again at once: the newest link is fresh, nothing is queued.
        assert "Queued 0 reminders." in runner.invoke(args=["notify-invitations"]).output
        links.append(mailed_link(in_app, NEW, "invitation-reminder"))
    in_app(newest_link_sent_a_week_ago)
    assert "Queued 0 reminders." in runner.invoke(args=["notify-invitations"]).output  # 2 max
    client = app.test_client()
    assert len(set(links)) == 3
    assert [client.get(link).status_code for link in links] == [400, 400, 200]
    listed = admin_client.get("/reviewers/invitations").get_data(as_text=True)
    assert "reminded 2 times" in listed and "Pending" in listed
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(
        AuditEvent).where(AuditEvent.action == "invitation.remind"))) == 2
