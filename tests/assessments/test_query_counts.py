"""Pages that list many rows run a constant number of SQL statements (no N+1 loading): every
list runs as many statements with 3 rows as with 300 (``certify.core.listing``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from assessments.models import Application, Review
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
from tests.support import STAFF_LISTS, counting_statements, login


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
    ("admin", "/dashboard"),
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
    if role == "reviewer" and path == "/dashboard":
        # Five named, the rest counted: the reviews are never all loaded.
        assert "and 495 more" in page
        loads = [s for s in many if s.lstrip().startswith("SELECT reviews.id")]
        assert loads and all("LIMIT" in s for s in loads), "\n".join(loads)

    assert len(many) == len(few), "\n".join(many)


@pytest.mark.parametrize("role", ["admin", "coordinator"])
@pytest.mark.parametrize("path", STAFF_LISTS)
def test_every_staff_list_runs_as_many_statements_at_3_and_300_rows(
        app, client, create_user, fill_lists, role, path):
    login(client, create_user(role))
    fill_lists(3)
    with counting_statements(app) as few:
        response = client.get(path)
    expected = 403 if role == "coordinator" and path.startswith(("/manage/audit",
                                                                 "/manage/outbox")) else 200
    assert response.status_code == expected
    fill_lists(297)
    with counting_statements(app) as many:
        response = client.get(path + "?per_page=100")
    assert response.status_code == expected
    assert len(many) == len(few), "\n".join(many)
