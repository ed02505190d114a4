"""The top of each dashboard: what needs the person now (assessments/attention.py, issue 16)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from assessments import operations
from assessments.attention import CARD_SIZE
from assessments.models import Application
from assessments.queries import open_work_of
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
from tests.support import counting_statements, login


def dashboard(client, person) -> str:
    login(client, person)
    page = client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    return page[page.index("<main"):]  # the header's menus name the same pages


def test_a_reviewer_sees_pending_reviews_first(client, under_review, workflow):
    reviewer = under_review["reviewers"][0]
    page = dashboard(client, reviewer)
    assert page.index("Reviews to finish") < page.index("My reviews")
    assert f'href="/reviews/{under_review["reviews"][0]}"' in page

    workflow.review(under_review["reviews"][0])  # submitted: nothing waits any more
    page = dashboard(client, reviewer)
    assert "Reviews to finish" not in page and "Nothing is waiting for you." in page


def test_an_administrator_sees_files_ready_for_a_decision(client, under_review, workflow):
    admin, application = under_review["admin"], under_review["application"]
    assert "Ready for a decision" not in dashboard(client, admin)
    for review in under_review["reviews"]:
        workflow.review(review)
    page = dashboard(client, admin)
    assert page.index("Ready for a decision") < page.index("Administration")
    assert f'href="/manage/applications/{application}">Application {application}<' in page


def test_a_candidate_sees_a_returned_file_and_open_drafts(client, create_user, create_competition,
                                                        workflow, in_app):
    admin, candidate = create_user("admin"), create_user("candidate")
    competition = create_competition()
    returned = workflow.submitted(competition, candidate)
    in_app(lambda: operations.return_application(
        db.session.get(Application, returned), "Add the diploma.",
        by=db.session.get(User, admin.id)))
    page = dashboard(client, candidate)
    assert "Returned to you for correction" in page and "Drafts to submit" not in page
    assert page.index("Returned to you for correction") < page.index("My applications")

    workflow.start(create_competition(), candidate)
    assert "Drafts to submit" in dashboard(client, candidate)


def test_decided_files_are_not_loaded_for_the_dashboard(in_app, under_review, workflow):
    """The staff's "what needs you now" reads open work only, so the dashboard costs the same
    after years of decided applications (issue 17)."""
    admin, application = under_review["admin"], under_review["application"]

    def managed():
        cards = open_work_of(db.session.get(User, admin.id), first=CARD_SIZE)
        return {kind: [a.id for a in first] for kind, (first, _) in cards.items() if first}

    assert in_app(managed) == {}  # both reviewers still at work
    for review in under_review["reviews"]:
        workflow.review(review)
    assert in_app(managed) == {"to_decide": [application]}
    workflow.decide(application, admin, "refuse")
    assert in_app(managed) == {}


def test_a_card_loads_its_first_files_and_counts_the_rest(app, client, create_user,
                                                          create_competition, in_app):
    """However many files wait, each staff card reads at most CARD_SIZE of them, in one
    statement that also counts them all."""
    admin, competition = create_user("admin"), create_competition()
    waiting = CARD_SIZE + 2

    def submit_many():
        branch = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
        for number in range(waiting):
            db.session.add(Application(
                competition_id=competition, branch=branch, state="submitted",
                submitted_at=utcnow() - timedelta(minutes=number),
                candidate=User(email=f"waiting{number}@example.org", password_hash="-",
                               full_name=f"Waiting {number}", country="KZ", branch=branch,
                               role_assignments=[RoleAssignment(role=Role.candidate)])))
    in_app(submit_many)

    def cards():
        db.session.expunge_all()
        staff = db.session.get(User, admin.id)
        assert staff.is_admin  # loads the roles before counting
        with counting_statements(app) as statements:
            found = open_work_of(staff, first=CARD_SIZE)
        loaded = [o for o in db.session.identity_map.values() if isinstance(o, Application)]
        first, total = found["to_check"]
        return (len(found), len(statements), len(loaded), total,
                [a.candidate.full_name for a in first])

    kinds, statements, loaded, total, names = in_app(cards)
    assert (statements, loaded, total) == (kinds, CARD_SIZE, waiting)  # one statement per card
    assert names == [f"Waiting {n}" for n in range(waiting - 1, waiting - 1 - CARD_SIZE, -1)]

    page = dashboard(client, admin)
    assert f'Eligibility to confirm <span class="badge info">{waiting}</span>' in page
    assert "and 2 more" in page
