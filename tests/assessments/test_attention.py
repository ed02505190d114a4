"""The top of each dashboard: what needs the person now (assessments/attention.py, issue 16)."""

from __future__ import annotations

from assessments import operations
from assessments.models import Application
from certify.core.extensions import db
from certify.users.models import User
from tests.support import login


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
    from assessments.queries import applications_to_manage

    admin, application = under_review["admin"], under_review["application"]

    def managed():
        return [a.id for a in applications_to_manage(db.session.get(User, admin.id))]

    assert in_app(managed) == [application]
    for review in under_review["reviews"]:
        workflow.review(review)
    workflow.decide(application, admin, "refuse")
    assert in_app(managed) == []
