"""The staff lists on the server: hand-edited URLs never fail, a coordinator sees only their
branches whatever the URL asks, the list's state lives in its links, and the filters mean
what they say."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assessments.complaints.models import Complaint, ComplaintSubject
from assessments.complaints.operations import ComplaintInput, file_complaint
from assessments.complaints.permissions import can_manage_complaint
from assessments.models import Appeal, Application, Competition, Review
from certify.certificates.models import Certificate
from certify.certificates.status import certificate_status
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
from tests.support import STAFF_LISTS, login

HOSTILE = ("?page=-1&per_page=10000&sort=evil&q=" + "%25_x" * 100 + "&branch=abc&state=evil"
           "&competition=99999999999999999999&track=x&status=x&role=x&enabled=x&appeal=x"
           "&action=%27%3B--&object_type=%3Cscript%3E&kind=x&year=99999&object_id=-3")


@pytest.mark.parametrize("path", [*STAFF_LISTS, "/reviews/"])
def test_hand_edited_urls_fall_back_to_the_defaults(client, create_user, fill_lists, path):
    fill_lists(3)
    login(client, create_user("admin", "reviewer"))
    for query in (HOSTILE, "?page=999", "?sort=-evil&per_page=0", "?q=%F0%9F%98%80",
                  "?page=%C2%B2&branch=%C2%B2&competition=%D9%A3"):
        response = client.get(path + query)
        assert response.status_code == 200, query


# The lists a coordinator's branch scopes, and what of the other branch's row they would show.
SCOPED = {
    "/manage/applications/": "Grown Person RU",
    "/certificates/": "Grown Person RU",
    "/certificates/renewals": "Grown Person RU",
    "/users/": "Grown Person RU",
    "/reviewers/invitations": "invitedRU",
    "/manage/complaints/": "G-RU",
}


@pytest.mark.parametrize("path", SCOPED)
def test_a_coordinator_sees_nothing_of_another_branch_whatever_the_url_asks(
        client, create_user, fill_lists, in_app, path):
    fill_lists(3, branch="KZ")
    fill_lists(3, branch="RU")
    other = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "RU")))
    login(client, create_user("coordinator", branch="KZ"))
    page = client.get(path).get_data(as_text=True)
    assert SCOPED[path].replace("RU", "KZ").lower() in page.lower()
    assert SCOPED[path].lower() not in page.lower()
    for query in (f"?branch={other}", f"?branch={other}&q=RU", "?q=ru0", "?per_page=100"):
        page = client.get(path + query).get_data(as_text=True)
        assert SCOPED[path].lower() not in page.lower(), query
    assert "0 results" in client.get(f"{path}?branch={other}").get_data(as_text=True)


def _names(page: str) -> list[str]:
    return re.findall(r"Grown Person KZ\d+", page)


def test_search_sort_and_page_live_in_the_url(admin_client, fill_lists):
    fill_lists(30)
    first = admin_client.get("/users/?q=grown+person&per_page=10").get_data(as_text=True)
    assert "30 results" in first
    assert "Page 1 of 3" in first
    names = _names(first)
    assert names == sorted(names) and len(names) == 10
    assert 'href="/users/?q=grown+person&amp;per_page=10&amp;page=2" rel="next"' in first
    second = admin_client.get("/users/?q=grown+person&per_page=10&page=2").get_data(as_text=True)
    assert not set(_names(second)) & set(names)
    # Sorting again on the same column reverses it, and keeps the search.
    assert 'href="/users/?q=grown+person&amp;per_page=10&amp;sort=-name"' in first
    reversed_ = admin_client.get("/users/?q=grown+person&sort=-name&per_page=10")
    assert _names(reversed_.get_data(as_text=True)) == sorted(_names(first) + _names(second)
                                                             + _names(admin_client.get(
        "/users/?q=grown+person&per_page=10&page=3").get_data(as_text=True)),
                                                             reverse=True)[:10]
    # The form shows what was asked; a wildcard searches itself.
    assert 'value="grown person"' in first
    assert "0 results" in admin_client.get("/users/?q=%25").get_data(as_text=True)


def test_the_review_queue_puts_pending_first_then_the_nearest_deadline(
        client, create_user, create_competition, in_app):
    reviewer = create_user("reviewer")
    soon, later, none = (create_competition() for _ in range(3))

    def work():
        now = utcnow()
        for competition_id, days in ((soon, 2), (later, 10)):
            db.session.get(Competition, competition_id).review_deadline = now + timedelta(days)
        branch = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
        for name, competition_id, state in (("Done Soon", soon, "submitted"),
                                            ("Todo None", none, "draft"),
                                            ("Todo Later", later, "draft"),
                                            ("Todo Soon", soon, "draft")):
            candidate = User(email=f"{name.replace(' ', '.')}@example.org".lower(),
                             password_hash="-", full_name=name, country="KZ", branch=branch,
                             role_assignments=[RoleAssignment(role=Role.candidate)])
            application = Application(competition_id=competition_id, candidate=candidate,
                                      branch=branch, state="under_review", submitted_at=now,
                                      eligibility_confirmed=True)
            db.session.add(Review(application=application, reviewer_id=reviewer.id,
                                  state=state, submitted_at=now if state == "submitted" else None))
    in_app(work)
    login(client, reviewer)
    page = client.get("/reviews/").get_data(as_text=True)
    assert re.findall(r"(Todo Soon|Todo Later|Todo None|Done Soon)<", page) == [
        "Todo Soon", "Todo Later", "Todo None", "Done Soon"]
    assert "4 results" in page
    pending = client.get("/reviews/?state=draft&q=todo").get_data(as_text=True)
    assert "3 results" in pending and "Done Soon<" not in pending


def test_the_register_filters_by_status_as_certificate_status_decides(
        admin_client, fill_lists, in_app):
    fill_lists(5)

    def work():
        now, today = utcnow(), utcnow().date()
        certificates = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
        certificates[0].revoked_at, certificates[0].revocation_reason = now, "-"
        certificates[1].suspended_at, certificates[1].suspension_reason = now, "-"
        certificates[2].valid_from = today - timedelta(days=800)
        certificates[2].valid_until = today - timedelta(days=1)
        certificates[3].valid_from = today + timedelta(days=3)
    in_app(work)

    def expected(status):
        return sorted(c.number for c in db.session.scalars(sa.select(Certificate))
                      if certificate_status(c) == status)

    for status in ("valid", "not_yet_valid", "expired", "suspended", "revoked"):
        page = admin_client.get(f"/certificates/?status={status}").get_data(as_text=True)
        assert sorted(set(re.findall(r"T-KZ\d+", page))) == in_app(expected, status), status


def test_the_applications_list_filters_open_appeals(admin_client, fill_lists, in_app):
    fill_lists(3)
    in_app(lambda: db.session.add(Appeal(application_id=db.session.scalar(
        sa.select(Application.id).join(Application.candidate)
        .where(User.full_name == "Grown Person KZ1")), grounds="-")))
    page = admin_client.get("/manage/applications/?appeal=open").get_data(as_text=True)
    assert _names(page) == ["Grown Person KZ1"] and "1 result" in page


def test_the_complaints_list_shows_exactly_those_a_person_may_handle(
        app, create_user, create_competition, workflow, in_app):
    """The SQL of the complaints list agrees with ``can_manage_complaint`` for everyone: the
    decider, a coordinator who reviewed the file (also about its renewal), the holder, the
    complainant, a coordinator of another branch, an administrator not involved."""
    decider = create_user("admin")
    reviewing_coordinator = create_user("coordinator", "reviewer")
    holder = create_user("candidate", "coordinator")
    complainant = create_user("coordinator", email="client@example.com")
    uninvolved = [create_user("admin"), create_user("coordinator"),
                  create_user("coordinator", branch="RU")]
    application_id = workflow.submitted(create_competition(), holder)
    for reviewer in (reviewing_coordinator, create_user("reviewer")):
        workflow.review(workflow.assign(application_id, reviewer, decider))
    workflow.decide(application_id, decider)

    def renew_and_complain():
        awarded = db.session.scalar(sa.select(Certificate).where(
            Certificate.application_id == application_id))
        renewal = Certificate(
            number=awarded.number[:-6] + "999999", track=awarded.track,
            branch_id=awarded.branch_id, year=awarded.year, sequence=999999,
            holder_id=awarded.holder_id,
            holder_name=awarded.holder_name, rubric_version_id=awarded.rubric_version_id,
            valid_from=awarded.valid_until, valid_until=awarded.valid_until + timedelta(1000),
            renewed_from_id=awarded.id)
        db.session.add(renewal)
        db.session.flush()
        branch = db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ"))
        for email, subject, number in (
                ("someone@example.org", "certificate", awarded.number),
                ("someone@example.org", "certificate", renewal.number),
                (" Client@Example.com ", "process", None),
                ("someone@example.org", "process", None)):
            file_complaint(ComplaintInput(
                name="A Client", email=email, language="en", subject=ComplaintSubject(subject),
                description="About the way it was done.", certificate_number=number,
                branch_id=None if number else branch))
    in_app(renew_and_complain)

    def allowed(person_id):
        user = db.session.get(User, person_id)
        return sorted(c.number for c in db.session.scalars(sa.select(Complaint))
                      if can_manage_complaint(user, c))

    seen = {}
    for person in (decider, reviewing_coordinator, holder, complainant, *uninvolved):
        client = app.test_client()
        login(client, person)
        page = client.get("/manage/complaints/?per_page=100").get_data(as_text=True)
        seen[person.email] = sorted(set(re.findall(r">(C-\d{4}-\d+)<", page)))
        assert seen[person.email] == in_app(allowed, person.id), person.email
    # Each kind of involvement hides something, and someone uninvolved sees all four.
    assert len(seen[uninvolved[0].email]) == 4
    assert all(len(seen[p.email]) < 4 for p in (decider, reviewing_coordinator, holder,
                                                 complainant))
