"""Erasure on request (issue 20; docs/privacy.md; ISO/IEC 17024 §7.1, §7.2, §7.3): the person
asks from their data page with their password; staff in scope see the plan (what is erased,
deleted or kept, and why; what blocks it), approve it in one transaction or refuse it with a
reason; the person is told by mail in their language; every step is audited without the
erased data; the erased account cannot log in and its certificates still verify."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from assessments import evidence
from assessments.erasure import approve_erasure, erasure_plan
from assessments.models import Application, Evidence
from assessments.reviewers.invitations import invite
from assessments.reviewers.models import ReviewerInvitation
from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import ErasureRequest, PrivacyConsent, User
from certify.users.operations import create_user as create
from tests.support import PASSWORD, counting_statements, login

PDF = b"%PDF-1.4\n% a candidate's file\n%%EOF\n"


@pytest.fixture
def history(in_app, create_user, create_competition, workflow):
    """A KZ candidate (Russian-speaking) with a draft with a file, a refused application with a
    file, and an awarded one with a certificate; an administrator."""
    admin = create_user("admin")
    person = create_user("candidate", language="ru", full_name="Dana Serikova",
                         affiliation="Karaganda Technical University")
    draft = workflow.start(create_competition(), person)
    draft_file = workflow.attach(draft, PDF, "draft.pdf")

    def decided(outcome):
        application_id = workflow.start(create_competition(min_reviewers=1), person)
        workflow.fill(application_id)
        file_id = workflow.attach(application_id, PDF, f"{outcome}.pdf")
        workflow.submit(application_id, person)
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
        workflow.decide(application_id, admin, outcome)
        return application_id, file_id

    refused, refused_file = decided("refuse")
    awarded, awarded_file = decided("award")
    paths = in_app(lambda: {name: evidence.stored_path(db.session.get(Evidence, item))
                            for name, item in (("draft", draft_file), ("refused", refused_file),
                                               ("awarded", awarded_file))})
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number).where(
        Certificate.holder_id == person.id)))
    return {"admin": admin, "person": person, "draft": draft, "refused": refused,
            "awarded": awarded, "paths": paths, "number": number}


def ask(client, person, password=PASSWORD, reason="I no longer work in mining."):
    return client.post("/account/erasure", data={"password": password, "reason": reason})


def requests_of(in_app, person) -> list[tuple[str, str]]:
    return in_app(lambda: [(r.state, r.reason) for r in db.session.scalars(
        sa.select(ErasureRequest).where(ErasureRequest.user_id == person.id))])


def plan_of(in_app, person) -> dict[str, tuple[int, str]]:
    def work():
        plan = erasure_plan(db.session.get(User, person.id))
        return {item.kind: (item.count, item.action) for item in plan.items}, plan.blockers
    return in_app(work)


def test_the_plan_says_what_is_erased_deleted_and_kept(in_app, history):
    items, blockers = plan_of(in_app, history["person"])
    assert blockers == []
    assert items["account"] == (1, "erase")
    assert items["draft_applications"] == (1, "delete")
    assert items["unsuccessful_evidence"] == (2, "delete")  # the file and the required link
    assert items["unsuccessful_applications"] == (1, "keep")
    assert items["awarded_applications"] == (1, "keep")
    assert items["certificates"] == (1, "keep")
    assert items["consents"] == (1, "keep")
    assert items["audit"] == (1, "keep")
    assert "undecided_applications" not in items


def test_asking_needs_the_password_and_a_second_request_is_refused(client, in_app, history):
    person = history["person"]
    login(client, person)
    wrong = ask(client, person, password="not my password at all")
    assert wrong.status_code == 422 and "I no longer work in mining." in wrong.get_data(
        as_text=True)  # what was typed is kept
    assert requests_of(in_app, person) == []
    assert ask(client, person).status_code == 302
    assert requests_of(in_app, person) == [("pending", "I no longer work in mining.")]
    page = client.get("/account/data").get_data(as_text=True)
    assert "ожидает решения" in page  # the person reads Russian
    again = ask(client, person)
    assert again.status_code == 422
    assert "Вы уже запросили удаление" in again.get_data(as_text=True)
    assert len(requests_of(in_app, person)) == 1
    audited = in_app(lambda: [(e.action, e.actor_id, e.data) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("privacy.erasure%")))])
    assert audited == [("privacy.erasure_requested", person.id, {"with_reason": True})]


def test_approval_erases_keeps_what_must_be_kept_and_tells_the_person(
        app, client, in_app, history):
    person, admin = history["person"], history["admin"]
    login(client, person)
    ask(client, person)
    erasure_id = in_app(lambda: db.session.scalar(sa.select(ErasureRequest.id)))
    staff = app.test_client()
    login(staff, admin)
    listed = staff.get("/manage/erasure").get_data(as_text=True)
    assert "Dana Serikova" in listed and f"/manage/erasure/{erasure_id}" in listed
    detail = staff.get(f"/manage/erasure/{erasure_id}").get_data(as_text=True)
    assert "Erased person #" in detail and "§7.1" in detail and "Approve and erase" in detail
    last_audit = in_app(lambda: db.session.scalar(sa.select(sa.func.max(AuditEvent.id))))

    done = staff.post(f"/manage/erasure/{erasure_id}/approve", data={})
    assert done.status_code == 302

    def after():
        user = db.session.get(User, person.id)
        return (user.full_name, user.full_name_native, user.affiliation, user.email,
                user.is_enabled, user.totp_secret, user.erased_at is not None,
                db.session.get(Application, history["draft"]) is None,
                db.session.get(Application, history["refused"]).decision.outcome,
                len(db.session.get(Application, history["refused"]).evidence),
                len(db.session.get(Application, history["awarded"]).evidence) > 0,
                db.session.scalar(sa.select(sa.func.count(PrivacyConsent.id))
                                  .where(PrivacyConsent.user_id == person.id)),
                db.session.get(ErasureRequest, erasure_id).reason)

    assert in_app(after) == (
        f"Erased person #{person.id}", None, "", f"erased-{person.id}@erased.invalid",
        False, None, True, True, "refuse", 0, True, 1, "")
    paths = history["paths"]
    assert not paths["draft"].exists() and not paths["refused"].exists()
    assert paths["awarded"].exists()

    # Told, in Russian, at the address the account had; nothing else left for that address.
    mails = in_app(lambda: [(n.address, n.kind, n.language, n.subject) for n in db.session.scalars(
        sa.select(Notification).where(sa.or_(Notification.address == person.email,
                                             Notification.user_id == person.id)))])
    assert mails == [(person.email, "erasure-done", "ru", "Ваши персональные данные удалены")]

    # The erased account cannot log in, not even with the old password.
    other = app.test_client()
    assert login(other, person).status_code == 200
    assert client.get("/dashboard").location.startswith("/login")

    # The certificate still verifies, with the name as printed on it.
    verified = other.get(f"/verify/{history['number']}")
    assert verified.status_code == 200 and "Dana Serikova" in verified.get_data(as_text=True)

    # Audited, counts only: no new audit row carries the erased name or address.
    rows = in_app(lambda: [(e.action, e.data) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.id > last_audit).order_by(AuditEvent.id))])
    actions = [action for action, _ in rows]
    assert actions[:2] == ["privacy.erasure_approved", "privacy.erasure_executed"]
    executed = dict(rows)["privacy.erasure_executed"]
    assert executed["draft_applications"] == 1 and executed["unsuccessful_evidence"] == 2
    dumped = json.dumps([data for _, data in rows], ensure_ascii=False)
    assert person.email not in dumped and "Dana" not in dumped and "Karaganda" not in dumped

    shown = staff.get(f"/manage/erasure/{erasure_id}").get_data(as_text=True)
    assert "What was done" in shown and "Applications never submitted: 1" in shown

    # Idempotent: approving again changes nothing and says so.
    again = staff.post(f"/manage/erasure/{erasure_id}/approve", data={}, follow_redirects=True)
    assert "decided already" in again.get_data(as_text=True)
    assert staff.post(f"/users/{person.id}/enable", data={}).status_code == 302
    assert in_app(lambda: db.session.get(User, person.id).is_enabled) is False


def test_open_duties_block_the_erasure_and_nothing_is_written(
        app, in_app, create_user, create_competition, workflow, under_review):
    admin, candidate, reviewers = (under_review["admin"], under_review["candidate"],
                                   under_review["reviewers"])
    for person, blocker in ((reviewers[0], "is assigned and not submitted"),
                            (candidate, "is not decided yet")):
        client = app.test_client()
        login(client, person)
        assert ask(client, person).status_code == 302
        erasure_id = in_app(lambda p=person: db.session.scalar(
            sa.select(ErasureRequest.id).where(ErasureRequest.user_id == p.id)))
        staff = app.test_client()
        login(staff, admin)
        page = staff.get(f"/manage/erasure/{erasure_id}").get_data(as_text=True)
        assert blocker in page and "Approve and erase" not in page
        refused = staff.post(f"/manage/erasure/{erasure_id}/approve", data={},
                             follow_redirects=True)
        assert blocker in refused.get_data(as_text=True)
        assert requests_of(in_app, person)[0][0] == "pending"
        assert in_app(lambda p=person: db.session.get(User, p.id).full_name) == person.full_name
    coordinator = create_user("coordinator", "candidate")
    client = app.test_client()
    login(client, coordinator)
    ask(client, coordinator)
    assert "Holds the role" in " ".join(plan_of(in_app, coordinator)[1])


def test_a_failure_halfway_leaves_everything_as_it_was(in_app, client, history):
    person, admin = history["person"], history["admin"]
    login(client, person)
    ask(client, person)
    # An account already holds the pseudonym's address: the last write fails.
    in_app(lambda: create(email=f"erased-{person.id}@erased.invalid", password=PASSWORD,
                          full_name="Squatter", country="KZ", roles=["candidate"]))

    def approve():
        erasure = db.session.scalar(sa.select(ErasureRequest))
        try:
            approve_erasure(erasure, by=db.session.get(User, admin.id))
        except sa.exc.IntegrityError:
            db.session.rollback()
            return "failed"
        return "done"

    assert in_app(approve) == "failed"
    assert in_app(lambda: (db.session.get(User, person.id).full_name,
                           db.session.get(Application, history["draft"]) is not None,
                           len(db.session.get(Application, history["refused"]).evidence),
                           db.session.scalar(sa.select(ErasureRequest.state)))) == (
        "Dana Serikova", True, 2, "pending")
    assert all(path.exists() for path in history["paths"].values())


def test_refusal_is_mailed_with_its_reason_and_scoped_to_the_branch(
        app, in_app, create_user):
    person = create_user("candidate", branch="KZ", language="kk")
    admin, coordinator = create_user("admin"), create_user("coordinator", branch="KZ")
    ru_coordinator = create_user("coordinator", branch="RU")
    client = app.test_client()
    login(client, person)
    ask(client, person)
    erasure_id = in_app(lambda: db.session.scalar(sa.select(ErasureRequest.id)))
    # Staff who may decide it are told; the mail names no one.
    told = in_app(lambda: [(n.user_id, n.body) for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == "erasure-request"))])
    assert sorted(user for user, _ in told) == sorted([admin.id, coordinator.id])
    assert all(f"/manage/erasure/{erasure_id}" in body and person.full_name not in body
               for _, body in told)
    assert ru_coordinator.id not in [user for user, _ in told]
    outsider = app.test_client()
    login(outsider, create_user("coordinator", branch="RU"))
    assert outsider.get(f"/manage/erasure/{erasure_id}").status_code == 403
    listed = outsider.get("/manage/erasure").get_data(as_text=True)
    assert f'/manage/erasure/{erasure_id}"' not in listed and "No request is waiting" in listed
    for role in ("reviewer", "candidate"):
        other = app.test_client()
        login(other, create_user(role))
        assert other.get(f"/manage/erasure/{erasure_id}").status_code == 403
        assert other.post(f"/manage/erasure/{erasure_id}/refuse",
                          data={"reason": "Not for you to say."}).status_code == 403
    staff = app.test_client()
    login(staff, coordinator)
    short = staff.post(f"/manage/erasure/{erasure_id}/refuse", data={"reason": "no"})
    assert short.status_code == 422
    reason = "Your appeal's hearing is set for next month."
    assert staff.post(f"/manage/erasure/{erasure_id}/refuse",
                      data={"reason": reason}).status_code == 302
    assert requests_of(in_app, person)[0][0] == "refused"
    mail = in_app(lambda: db.session.execute(sa.select(
        Notification.address, Notification.language, Notification.body).where(
        Notification.kind == "erasure-refused")).one())
    assert (mail.address, mail.language) == (person.email, "kk") and reason in mail.body
    assert in_app(lambda: [(e.action, e.actor_id) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.erasure_refused"))]) == [
        ("privacy.erasure_refused", coordinator.id)]
    # Refused: the person may ask again later.
    assert ask(client, person).status_code == 302


def test_the_list_costs_the_same_for_two_requests_as_for_ten(app, in_app, create_user):
    admin = app.test_client()
    login(admin, create_user("admin"))

    def statements_for(count: int) -> int:
        for _ in range(count):
            person = create_user("candidate", branch="RU")
            client = app.test_client()
            login(client, person)
            ask(client, person)
        with counting_statements(app) as statements:
            page = admin.get("/manage/erasure")
        assert page.status_code == 200
        return len(statements)

    few = statements_for(2)
    assert statements_for(8) == few


def test_an_unanswered_invitation_to_the_address_is_closed(app, in_app, create_user):
    person = create_user("candidate")
    admin = create_user("admin")

    def send():
        return invite(person.email, competition=None, language="en",
                      by=db.session.get(User, admin.id)).id

    invitation_id = in_app(send)
    client = app.test_client()
    login(client, person)
    ask(client, person)
    in_app(lambda: approve_erasure(db.session.scalar(sa.select(ErasureRequest)),
                                   by=db.session.get(User, admin.id)))
    assert in_app(lambda: (lambda i: (i.email, i.state))(
        db.session.get(ReviewerInvitation, invitation_id))) == (
        f"erased-{person.id}@erased.invalid", "declined")
