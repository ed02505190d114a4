"""Complaints (ISO/IEC 17024 §9.9): anyone files one without an account and gets a receipt
number by mail; staff not involved investigate; the outcome may withdraw the certificate, which
the public verification page and the API then say."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from assessments.complaints.models import Complaint, ComplaintState, ComplaintSubject
from assessments.complaints.operations import ComplaintInput, file_complaint
from assessments.models import Application, Review
from assessments.operations import declare_staff_conflict
from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import User
from tests.support import in_threads, login

DESCRIPTION = "The holder signed a ventilation survey for a mine they never visited in 2026."
COMPLAINANT = "client@example.com"


def complaint_form(number: str | None = None, **overrides) -> dict:
    data = {"name": "Aigerim Client", "email": COMPLAINANT, "description": DESCRIPTION,
            "subject": "certificate" if number else "process",
            "certificate_number": number or "", "competition": "", "branch": ""}
    return data | overrides


def count(in_app, model) -> int:
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def nothing_filed(in_app) -> bool:
    """No complaint, and no mail about one."""
    mails = in_app(lambda: db.session.scalar(sa.select(sa.func.count()).where(
        Notification.kind.like("complaint%"))))
    return count(in_app, Complaint) == 0 and mails == 0


@pytest.fixture
def awarded(award, in_app):
    """An awarded application: {application, number, holder, decider, reviewers}."""
    application_id = award()

    def facts():
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.application_id == application_id))
        reviewers = db.session.scalars(sa.select(Review.reviewer_id).where(
            Review.application_id == application_id)).all()
        return certificate.number, certificate.holder_id, list(reviewers)

    number, holder_id, reviewer_ids = in_app(facts)
    return {"application": application_id, "number": number, "holder": holder_id,
            "decider": award.admin, "reviewers": reviewer_ids}


def file(client, number=None, **overrides) -> tuple[str, str]:
    """File a complaint; (receipt number, status page path)."""
    response = client.post("/complaints/new", data=complaint_form(number, **overrides))
    assert response.status_code == 302, response.text
    status_path = response.headers["Location"]
    page = client.get(status_path).text
    return re.search(r"C-\d{4}-\d{5}", page).group(0), status_path


def test_filing_without_an_account_gets_a_receipt_by_mail(client, runner, in_app, create_user,
                                                          awarded, smtp_server):
    uninvolved = create_user("admin")
    receipt, status_path = file(client, awarded["number"])
    year = utcnow().year
    assert receipt == f"C-{year}-00001"

    sent = runner.invoke(args=["send-outbox"])
    assert sent.exit_code == 0, sent.output
    to_complainant = [m for m in smtp_server if m["To"] == COMPLAINANT]
    assert len(to_complainant) == 1
    mail = to_complainant[0]
    assert receipt in mail["Subject"]
    link = re.search(r"https?://[^/\s]+(/complaints/status/\S+)", mail.get_content()).group(1)
    assert link == status_path
    page = client.get(link)
    assert page.status_code == 200
    assert receipt in page.text and "Received" in page.text and DESCRIPTION in page.text
    # Staff were told too, but not the administrator who decided the holder's application;
    # the filing is in the audit log with no actor.
    told = {m["To"] for m in smtp_server if "New complaint" in m["Subject"]}
    assert told == {uninvolved.email}
    actions = in_app(lambda: db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id)
                                                .where(AuditEvent.action == "complaint.file"))
                     .all())
    assert actions == [("complaint.file", None)]
    # Only a digest of the link's token is stored.
    token = link.rsplit("/", 1)[1]
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count()).where(
        Complaint.token_hash == token))) == 0


def test_receipt_numbers_follow_each_other_within_the_year(client, awarded):
    year = utcnow().year
    assert file(client, awarded["number"])[0] == f"C-{year}-00001"
    assert file(client)[0] == f"C-{year}-00002"  # about the process: no certificate needed


@pytest.mark.parametrize(("overrides", "message"), [
    ({"email": "not-an-address"}, "Invalid email address."),
    ({"description": "Too short."}, "Field must be between 30 and 5000 characters long."),
    ({"name": "Evil\u202eName"}, "invisible, control or direction-changing"),
    ({"certificate_number": ""}, "Give the number of the certificate."),
    ({"subject": ""}, "Choose what it is about."),
])
def test_bad_input_is_shown_again_with_the_text_kept_and_nothing_written(client, in_app,
                                                                         awarded, overrides,
                                                                         message):
    response = client.post("/complaints/new",
                           data=complaint_form(awarded["number"], **overrides))
    assert response.status_code == 422
    assert message in response.text
    assert DESCRIPTION in response.text or overrides.get("description") in response.text
    assert nothing_filed(in_app)


def test_an_unknown_certificate_number_is_refused(client, in_app, awarded):
    unknown = awarded["number"][:-6] + "999999"
    response = client.post("/complaints/new", data=complaint_form(unknown))
    assert response.status_code == 422
    assert "No certificate has this number." in response.text
    assert unknown in response.text and DESCRIPTION in response.text
    assert nothing_filed(in_app)


def test_the_status_page_answers_only_to_its_token(client, awarded):
    _receipt, status_path = file(client, awarded["number"])
    token = status_path.rsplit("/", 1)[1]
    assert client.get(status_path[:-1] + ("A" if token[-1] != "A" else "B")).status_code == 404
    assert client.get("/complaints/status/not-a-token").status_code == 404


def complaint_id_of(in_app) -> int:
    return in_app(lambda: db.session.scalar(sa.select(Complaint.id)))


def involved_person(kind, awarded, create_user, in_app) -> int:
    """Someone with an administrator's rights who is involved in the complaint as ``kind``."""
    if kind == "holder":
        return awarded["holder"]
    if kind == "reviewer":
        return awarded["reviewers"][0]
    if kind == "decider":
        return awarded["decider"].id
    if kind == "complainant":
        return create_user("admin", email=COMPLAINANT).id
    conflicted = create_user("admin")

    def declare():
        declare_staff_conflict(db.session.get(Application, awarded["application"]),
                               "My brother-in-law.", by=db.session.get(User, conflicted.id))

    in_app(declare)
    return conflicted.id


@pytest.mark.parametrize(("kind", "reason"), [
    ("holder", "They hold the certificate complained about."),
    ("reviewer", "They reviewed the holder's application."),
    ("decider", "They decided the holder's application."),
    ("complainant", "They filed the complaint."),
    ("conflicted", "They declared a conflict of interest with the holder's application."),
])
def test_someone_involved_is_refused_as_investigator(client, in_app, create_user, awarded,
                                                     kind, reason):
    file(client, awarded["number"])
    person_id = involved_person(kind, awarded, create_user, in_app)
    complaint_id = complaint_id_of(in_app)
    login(client, create_user("admin"))
    response = client.post(f"/manage/complaints/{complaint_id}/assign",
                           data={"investigator": str(person_id)}, follow_redirects=True)
    shown = html.unescape(response.text)
    assert "is involved in what this complaint concerns" in shown and reason in shown
    state, investigator = in_app(lambda: db.session.execute(
        sa.select(Complaint.state, Complaint.investigator_id)).one())
    assert (state, investigator) == (ComplaintState.received, None)


def test_withdrawal_revokes_the_certificate_on_the_page_and_in_the_api(app, client, in_app,
                                                                        create_user, awarded):
    receipt, status_path = file(client, awarded["number"])
    complaint_id = complaint_id_of(in_app)
    investigator = create_user("admin")
    staff = app.test_client()
    login(staff, create_user("admin"))
    assigned = staff.post(f"/manage/complaints/{complaint_id}/assign",
                          data={"investigator": str(investigator.id)}, follow_redirects=True)
    assert "Investigator assigned." in assigned.text

    other = app.test_client()
    login(other, create_user("coordinator"))
    assert other.post(f"/manage/complaints/{complaint_id}/outcome",
                      data={"outcome": "dismissed"}).status_code == 403  # not the investigator

    login(staff := app.test_client(), investigator)
    resolved = staff.post(f"/manage/complaints/{complaint_id}/outcome", data={
        "outcome": "withdrawn", "findings": "The site logbook shows no visit in 2026.",
        "reason": "The survey was signed without the site visit it certifies."})
    assert resolved.status_code == 302

    page = client.get(f"/verify/{awarded['number']}")
    assert "This certificate has been revoked" in page.text
    assert "The survey was signed without the site visit it certifies." in page.text
    assert client.get(f"/api/v1/certificates/{awarded['number']}").json["status"] == "revoked"
    status = client.get(status_path).text
    assert "Upheld – certificate withdrawn" in status and "Resolved" in status

    def mail_and_audit():
        mails = db.session.execute(sa.select(Notification.kind, Notification.address,
                                             Notification.user_id)
                                   .where(Notification.kind.like("complaint-%"))).all()
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.in_(["complaint.assign", "complaint.resolve",
                                   "certificate.revoke"]))).all()
        return set(mails), sorted(actions)

    mails, actions = in_app(mail_and_audit)
    assert ("complaint-outcome", COMPLAINANT, None) in mails
    assert ("complaint-holder", None, awarded["holder"]) in mails
    assert actions == ["certificate.revoke", "complaint.assign", "complaint.resolve"]
    assert receipt in client.get(status_path).text


def test_a_coordinator_investigator_cannot_withdraw_a_certificate(app, client, in_app,
                                                                  create_user, awarded):
    file(client, awarded["number"])
    complaint_id = complaint_id_of(in_app)
    coordinator = create_user("coordinator")
    admin = app.test_client()
    login(admin, create_user("admin"))
    admin.post(f"/manage/complaints/{complaint_id}/assign",
               data={"investigator": str(coordinator.id)})
    login(staff := app.test_client(), coordinator)
    response = staff.post(f"/manage/complaints/{complaint_id}/outcome", data={
        "outcome": "withdrawn", "findings": "Findings of some length.",
        "reason": "A reason of some length."})
    assert response.status_code == 422
    assert "Only an administrator suspends or withdraws a certificate." in response.text
    assert in_app(lambda: db.session.scalar(sa.select(Certificate.revoked_at))) is None
    assert in_app(lambda: db.session.scalar(sa.select(Complaint.state))) \
        == ComplaintState.investigating
    dismissed = staff.post(f"/manage/complaints/{complaint_id}/outcome", data={
        "outcome": "dismissed", "findings": "The survey was signed after a visit.",
        "reason": "We found the visit recorded in the site logbook."})
    assert dismissed.status_code == 302


def test_filing_is_rate_limited_per_address(app, client, in_app, awarded, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINT_RATE_LIMIT", "2 per hour")
    for _ in range(2):
        file(client, awarded["number"])
    third = client.post("/complaints/new", data=complaint_form(awarded["number"]))
    assert third.status_code == 429
    assert count(in_app, Complaint) == 2


@pytest.mark.postgres
def test_parallel_filings_get_consecutive_receipt_numbers(app, in_app):
    def filing(i):
        return file_complaint(ComplaintInput(
            name=f"Complainant {i}", email=f"c{i}@example.org", language="en",
            subject=ComplaintSubject.process, description=DESCRIPTION))[0].number

    results, errors = in_threads(app, 20, filing)
    assert errors == []
    year = utcnow().year
    assert sorted(results) == [f"C-{year}-{n:05d}" for n in range(1, 21)]
