"""Pages that list many rows run a constant number of SQL statements (no N+1 loading)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments.models import Application, Review
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
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
                    eligibility_confirmed=True, submitted_at=now,
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
    if path != "/dashboard":
        assert "Bulk Candidate 498<" in page
    if path == "/reviews/":
        assert "Bulk Candidate 1<" not in page  # blind review hides the name from reviewers

    assert len(many) == len(few), "\n".join(many)
