"""Pages that list many rows run a constant number of SQL statements (no N+1 loading): every
list runs as many statements with 3 rows as with 300 (``certify.core.listing``)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from assessments.models import Application, Competition, Decision, Review
from assessments.reviewers.models import ReviewerInvitation
from assessments.states import Outcome
from certify.certificates.models import Certificate, RenewalRequest
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import Branch, Role, RoleAssignment, User
from rubrics.models import Rubric, RubricVersion
from tests.support import counting_statements, login


@pytest.fixture
def reviewer_with_assignments(app, create_user, create_competition, in_app):
    """assign(count) -> the reviewer, with `count` submitted applications assigned to them.

    Candidates are inserted directly (no argon2 per person): only the reviewer logs in.
    """

    reviewer = create_user("reviewer")
    open_competition = create_competition()
    blind_competition = create_competition(blind=True)
    numbers = iter(range(100_000))

    def assign(count: int):
        def work():
            branch = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
            now = utcnow()
            for number in (next(numbers) for _ in range(count)):
                candidate = User(email=f"bulk{number}@example.org", password_hash="-",
                                 full_name=f"Bulk Candidate {number}", country="KZ",
                                 branch=branch,
                                 role_assignments=[RoleAssignment(role=Role.candidate)])
                application = Application(
                    competition_id=blind_competition if number % 2 else open_competition,
                    candidate=candidate, branch=branch, state="under_review",
                    eligibility_confirmed=True, submitted_at=now - timedelta(minutes=number),
                )
                db.session.add(Review(application=application, reviewer_id=reviewer.id))
        in_app(work)
        return reviewer

    return assign


@pytest.mark.parametrize(("role", "path"), [
    ("reviewer", "/reviews/"),
    ("reviewer", "/dashboard"),
    ("admin", "/manage/applications/"),
    ("coordinator", "/manage/applications/"),
])
def test_list_pages_run_a_constant_number_of_statements(app, client, create_user,
                                                        reviewer_with_assignments, role, path):
    reviewer = reviewer_with_assignments(3)
    login(client, reviewer if role == "reviewer" else create_user(role))
    with counting_statements(app) as few:
        response = client.get(path)
    assert response.status_code == 200

    reviewer_with_assignments(497)  # 500 assignments in all
    with counting_statements(app) as many:
        response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if path == "/manage/applications/":
        assert "Bulk Candidate 0<" in page  # the latest submitted first
        assert "500 results" in page
    if path == "/reviews/":
        assert "Bulk Candidate 0<" in page
        assert "Bulk Candidate 1<" not in page  # blind review hides the name from reviewers

    assert len(many) == len(few), "\n".join(many)


@pytest.fixture
def grow(in_app, create_competition, rubric_version):
    """grow(count, branch="KZ") adds ``count`` rows to every staff list, bulk through the
    models (no argon2, no signing): candidates with a decided application, certificates with
    a renewal request, competitions, rubrics, invitations, audit entries and messages."""
    numbers = iter(range(1_000_000))
    competition_id = create_competition()

    def make(count: int, branch: str = "KZ") -> None:
        def work():
            home = db.session.scalar(sa.select(Branch).where(Branch.code == branch))
            admin = db.session.scalar(sa.select(User).order_by(User.id))
            now, today = utcnow(), utcnow().date()
            for number in (next(numbers) for _ in range(count)):
                tag = f"{branch}{number}"
                candidate = User(email=f"grown{tag}@example.org".lower(), password_hash="-",
                                 full_name=f"Grown Person {tag}", country=home.country,
                                 branch=home,
                                 role_assignments=[RoleAssignment(role=Role.candidate)])
                application = Application(competition_id=competition_id, candidate=candidate,
                                          branch=home, state="decided", submitted_at=now,
                                          eligibility_confirmed=True)
                db.session.add(Decision(application=application, outcome=Outcome.award,
                                        reason="-", decided_by_id=admin.id))
                certificate = Certificate(
                    number=f"T-{tag}", track="professor", branch=home, year=2026,
                    sequence=number + 1, holder=candidate, holder_name=candidate.full_name,
                    rubric_version_id=rubric_version,
                    valid_from=today, valid_until=date(today.year + 5, 1, 1))
                db.session.add(RenewalRequest(certificate=certificate, cpd_hours=10,
                                              narrative="-"))
                db.session.add(Competition(
                    title={"en": f"Call {tag}"}, rubric_version_id=rubric_version,
                    opens_at=now, closes_at=now + timedelta(days=1)))
                db.session.add(Rubric(code=f"R{tag}", track="engineer",
                                      title={"en": f"Rubric {tag}"}, branch=home,
                                      versions=[RubricVersion(number=1)]))
                db.session.add(ReviewerInvitation(
                    email=f"invited{tag}@example.org".lower(), competition_id=competition_id,
                    branch=home, language="en", token_hash=uuid.uuid4().hex,
                    invited_by_id=admin.id, expires_at=now + timedelta(days=7)))
                db.session.add(AuditEvent(action="test.grown", object_type="User",
                                          actor_id=admin.id, hash=uuid.uuid4().hex))
                db.session.add(Notification(user=candidate, kind="test", dedup_key=tag,
                                            language="en", subject=f"Hello {tag}", body="-"))
        in_app(work)

    return make


STAFF_LISTS = [
    "/manage/applications/", "/manage/competitions/", "/certificates/",
    "/certificates/renewals", "/users/", "/rubrics/", "/reviewers/",
    "/reviewers/invitations", "/manage/audit", "/manage/outbox",
]


@pytest.mark.parametrize("role", ["admin", "coordinator"])
@pytest.mark.parametrize("path", STAFF_LISTS)
def test_every_staff_list_runs_as_many_statements_at_3_and_300_rows(
        app, client, create_user, grow, role, path):
    login(client, create_user(role))
    grow(3)
    with counting_statements(app) as few:
        response = client.get(path)
    expected = 403 if role == "coordinator" and path.startswith(("/manage/audit",
                                                                 "/manage/outbox")) else 200
    assert response.status_code == expected
    grow(297)
    with counting_statements(app) as many:
        response = client.get(path + "?per_page=100")
    assert response.status_code == expected
    assert len(many) == len(few), "\n".join(many)
