"""Separation of duties (issue 14, ISO/IEC 17024 §4.3, §9.4, §9.8): nobody acts on their own
file, who reviews does not decide, blind review is blind, and a staff reviewer forms their own
judgement before seeing anyone else's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments import evidence, operations
from assessments.models import Application, Conflict, Decision, Interview, Review
from assessments.states import Outcome
from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User
from tests.support import login


def _written(in_app):
    """What acting on a file writes: its state, decisions, interviews, certificates, reviews,
    conflicts and audit events."""

    def read():
        return (
            [(a.state, a.version, a.eligibility_checked_at) for a in
             db.session.scalars(sa.select(Application).order_by(Application.id))],
            *(db.session.scalar(sa.select(sa.func.count(model.id))) for model in (
                Decision, Interview, Certificate, Review, Conflict, AuditEvent)),
        )

    return in_app(read)


def _client(app, person):
    client = app.test_client()
    assert login(client, person).status_code == 302
    return client


@pytest.mark.parametrize("roles", [("coordinator", "candidate"), ("admin", "candidate")])
def test_nobody_acts_on_their_own_application(app, create_user, create_competition, workflow,
                                              in_app, roles):
    """The attack found: a coordinator who is also a candidate checked eligibility on their
    own file, chose their reviewers, recorded their interview and decided "award"."""
    insider = create_user(*roles)
    admin = create_user("admin")
    reviewers = [create_user("reviewer") for _ in range(2)]
    application_id = workflow.submitted(create_competition(), insider)
    client = _client(app, insider)
    url = f"/manage/applications/{application_id}"

    before = _written(in_app)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/check", data={}).status_code == 403
    assert client.post(f"{url}/assign", data={"reviewer": reviewers[0].id}).status_code == 403
    assert f'href="{url}"' not in client.get("/manage/applications/").get_data(as_text=True)
    assert _written(in_app) == before

    for review_id in [workflow.assign(application_id, r, admin) for r in reviewers]:
        workflow.review(review_id)
    before = _written(in_app)
    assert client.post(f"{url}/decide", data={"confirm": "y", "outcome": "award",
                                              "reason": "Excellent work."}).status_code == 403
    assert client.post(f"{url}/interview", data={"held_on": "2026-01-10", "panel": "Me",
                                                 "outcome": "satisfactory",
                                                 "notes": "Fine."}).status_code == 403

    def through_operations():  # the CLI and the demo go through these, not the views
        application = db.session.get(Application, application_id)
        by = db.session.get(User, insider.id)
        refused = []
        for act in (
            lambda: operations.decide(application, Outcome.award, "Excellent.", by=by),
            lambda: operations.check_eligibility(application, by=by),
            lambda: operations.assign_reviewer(application, by, by=by),
            lambda: operations.request_revision(application, "Revise it all, please.", by=by),
        ):
            with pytest.raises(DomainError) as error:
                act()
            refused.append(str(error.value))
        return refused

    assert all("your own application" in message for message in in_app(through_operations))
    assert _written(in_app) == before
    # ...and still sees the application as its candidate.
    assert client.get(f"/applications/{application_id}").status_code == 200


def test_the_reviewer_does_not_decide_nor_second_check(app, create_user, create_competition,
                                                        workflow, in_app):
    admin_reviewer = create_user("admin", "reviewer")
    admin = create_user("admin")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    for reviewer in (admin_reviewer, create_user("reviewer")):
        workflow.review(workflow.assign(application_id, reviewer, admin))
    client = _client(app, admin_reviewer)
    url = f"/manage/applications/{application_id}"
    page = client.get(url).get_data(as_text=True)
    assert "its decision is recorded by someone who did not" in page
    assert f'action="{url}/decide"' not in page

    before = _written(in_app)
    refused = client.post(f"{url}/decide", follow_redirects=True,
                          data={"confirm": "y",
                                "outcome": "award", "reason": "Fine work throughout."})
    assert "A reviewer of this application cannot decide it" in refused.get_data(as_text=True)
    assert _written(in_app) == before

    def decide_for_second_check():
        operations.decide(db.session.get(Application, application_id), Outcome.award, "Fine.",
                          by=db.session.get(User, admin.id), second_check=True)

    in_app(decide_for_second_check)
    page = client.get(url).get_data(as_text=True)
    assert "neither decided nor reviewed the application: not by you" in page
    before = _written(in_app)
    client.post(f"{url}/moderate", data={"verdict": "confirm", "note": "Checked."})
    assert _written(in_app) == before
    moderator = _client(app, create_user("admin"))
    moderator.post(f"{url}/moderate", data={"verdict": "confirm", "note": "Checked."})
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 1


def test_blind_review_hides_the_candidate_on_every_page(app, create_user, create_competition,
                                                        workflow, in_app):
    candidate = create_user("candidate", full_name="Zhanar Secretname",
                            affiliation="Hidden Mining Institute")
    admin = create_user("admin")
    reviewer = create_user("reviewer")
    competition_id = create_competition(blind=True)
    application_id = workflow.start(competition_id, candidate)
    workflow.fill(application_id)

    def attach():
        application = db.session.get(Application, application_id)
        return evidence.add_file(application, application.competition.rubric_version.criteria[1],
                                 b"%PDF-1.4\n%%EOF\n", "secret-plan-zhanar.pdf", None,
                                 by=application.candidate).id

    evidence_id = in_app(attach)
    workflow.submit(application_id, candidate)
    review_id = workflow.assign(application_id, reviewer, admin)
    workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
    workflow.review(review_id)
    other_id = workflow.submitted(competition_id, create_user("candidate"))
    client = _client(app, reviewer)
    client.post(f"/applications/{application_id}/discussion", data={"body": "Looks solid."})

    # The application's own page: the same 404 whether the id is theirs, not theirs or absent.
    for probe in (application_id, other_id, 999_999):
        assert client.get(f"/applications/{probe}").status_code == 404
    secrets = ("Secretname", "Hidden Mining Institute", "secret-plan-zhanar")
    for url in ("/reviews/", f"/reviews/{review_id}", f"/evidence/{evidence_id}",
                f"/applications/{application_id}/result",
                f"/applications/{application_id}/feedback.csv",
                f"/applications/{application_id}"):
        response = client.get(url)
        shown = response.get_data(as_text=True) + str(response.headers)
        response.close()
        assert not [s for s in secrets if s in shown], url


def test_a_staff_reviewer_sees_no_other_review_before_submitting_theirs(
        app, create_user, create_competition, workflow, in_app):
    coordinator = create_user("coordinator", "reviewer", branch="KZ")
    admin = create_user("admin")
    other = create_user("reviewer", full_name="Aigerim Otherreviewer")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    competition_id = in_app(lambda: db.session.get(Application, application_id).competition_id)
    own_review = workflow.assign(application_id, coordinator, admin)
    workflow.review(workflow.assign(application_id, other, admin), levels=(4, 1, 4))
    client = _client(app, coordinator)
    url = f"/manage/applications/{application_id}"
    ratings = f"/manage/competitions/{competition_id}/export/ratings.csv"
    assert len(client.get(ratings).get_data(as_text=True).strip().splitlines()) == 1

    page = client.get(url).get_data(as_text=True)
    assert "Otherreviewer" not in page and "On C1" not in page
    assert "stay hidden until your own review is submitted" in page
    assert client.get(f"/applications/{application_id}/result").status_code == 403
    assert client.get(f"/applications/{application_id}/feedback.csv").status_code == 403

    workflow.review(own_review)
    page = client.get(url).get_data(as_text=True)
    assert "Otherreviewer" in page and "On C1" in page
    assert client.get(f"/applications/{application_id}/result").status_code == 200
    assert len(client.get(ratings).get_data(as_text=True).strip().splitlines()) == 7


def test_staff_declare_a_conflict_and_the_file_disappears_for_them(
        app, create_user, create_competition, workflow, in_app):
    coordinator = create_user("coordinator", branch="KZ")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    client = _client(app, coordinator)
    url = f"/manage/applications/{application_id}"
    assert f'href="{url}"' in client.get("/manage/applications/").get_data(as_text=True)
    assert f'action="{url}/conflict"' in client.get(url).get_data(as_text=True)

    response = client.post(f"{url}/conflict", data={"reason": "She was my doctoral student."})
    assert response.status_code == 302
    assert in_app(lambda: [(c.reviewer_id, c.application_id) for c in
                           db.session.scalars(sa.select(Conflict))]) == [
        (coordinator.id, application_id)]
    assert f'href="{url}"' not in client.get("/manage/applications/").get_data(as_text=True)
    before = _written(in_app)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/check", data={}).status_code == 403
    assert client.get(f"/applications/{application_id}").status_code == 404

    def through_operations():
        with pytest.raises(DomainError, match="conflict of interest"):
            operations.check_eligibility(db.session.get(Application, application_id),
                                         by=db.session.get(User, coordinator.id))

    in_app(through_operations)
    assert _written(in_app) == before
