"""Assignment: who may review what, automatic assignment, declared conflicts."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import sqlalchemy as sa

from assessments.assignment import plan_assignment
from assessments.models import Application, Competition, Conflict, Review
from certify.core.extensions import db
from certify.users.models import User
from tests.support import login


@pytest.fixture
def admin_client(app, create_user):
    client = app.test_client()
    admin = create_user("admin")
    login(client, admin)
    client.person = admin
    return client


def test_manual_assignment_refuses_the_same_institution(admin_client, create_user,
                                                        create_competition, workflow, in_app):
    candidate = create_user("candidate", affiliation="Karaganda Technical University")
    colleague = create_user("reviewer", affiliation="  karaganda technical  university ")
    outsider = create_user("reviewer", affiliation="Satbayev University")
    application_id = workflow.submitted(create_competition(), candidate)
    page = admin_client.get(f"/manage/applications/{application_id}").get_data(as_text=True)
    assert outsider.full_name not in page  # not before the file's eligibility is checked
    refused = admin_client.post(f"/manage/applications/{application_id}/assign",
                                data={"reviewer": outsider.id})
    assert refused.status_code == 422
    admin_client.post(f"/manage/applications/{application_id}/check")
    page = admin_client.get(f"/manage/applications/{application_id}").get_data(as_text=True)
    assert outsider.full_name in page and colleague.full_name not in page
    assert "0 of 8" in page  # the load shown beside each reviewer
    response = admin_client.post(f"/manage/applications/{application_id}/assign",
                                 data={"reviewer": colleague.id})
    assert response.status_code == 422
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Review.id)))) == 0


def test_declared_conflict_frees_the_assignment_for_good(app, admin_client, create_user,
                                                         create_competition, workflow, in_app):
    reviewer = create_user("reviewer")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    review_id = workflow.assign(application_id, reviewer, admin_client.person)
    client = app.test_client()
    login(client, reviewer)
    empty = client.post(f"/reviews/{review_id}/conflict", data={"reason": " "},
                        follow_redirects=True)
    assert 'class="flash error"' in empty.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Review, review_id)) is not None
    done = client.post(f"/reviews/{review_id}/conflict",
                       data={"reason": "I supervised the candidate's doctorate."})
    assert done.status_code == 302

    def state():
        application = db.session.get(Application, application_id)
        return (application.state, len(application.reviews),
                db.session.scalar(sa.select(Conflict.reason)))

    assert in_app(state) == ("submitted", 0, "I supervised the candidate's doctorate.")
    refused = admin_client.post(f"/manage/applications/{application_id}/assign",
                                data={"reviewer": reviewer.id})
    assert refused.status_code == 422
    competition_id = in_app(lambda: db.session.scalar(sa.select(Competition.id)))
    admin_client.post(f"/manage/competitions/{competition_id}/assign")
    assert in_app(lambda: db.session.scalar(
        sa.select(sa.func.count(Review.id)).where(Review.reviewer_id == reviewer.id))) == 0


def test_submitted_review_cannot_be_dropped_for_a_conflict(app, admin_client, create_user,
                                                           create_competition, workflow):
    reviewer = create_user("reviewer")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    review_id = workflow.assign(application_id, reviewer, admin_client.person)
    workflow.review(review_id)
    client = app.test_client()
    login(client, reviewer)
    response = client.post(f"/reviews/{review_id}/conflict",
                           data={"reason": "Too late to say so."}, follow_redirects=True)
    assert "cannot be withdrawn" in response.get_data(as_text=True)


def test_automatic_assignment_through_the_page(admin_client, create_user, create_competition,
                                               workflow, in_app):
    competition_id = create_competition(min_reviewers=2)
    for _ in range(3):
        workflow.check(workflow.submitted(competition_id, create_user("candidate")),
                       admin_client.person)
    for _ in range(3):
        create_user("reviewer")
    response = admin_client.post(f"/manage/competitions/{competition_id}/assign",
                                 follow_redirects=True)
    assert "6 reviewers assigned." in response.get_data(as_text=True)
    load = in_app(lambda: Counter(db.session.scalars(sa.select(Review.reviewer_id))))
    assert sorted(load.values()) == [2, 2, 2]  # balanced
    again = admin_client.post(f"/manage/competitions/{competition_id}/assign",
                              follow_redirects=True)
    assert "0 reviewers assigned." in again.get_data(as_text=True)


def test_generated_population_respects_every_rule(app, create_user, create_competition,
                                                  workflow, in_app):
    """200 candidates and 30 reviewers across 12 institutions, some declared conflicts: every
    application gets its two reviewers, no rule is broken, no reviewer is over the maximum."""

    rng = random.Random(2026)
    institutions = [f"Institution {i}" for i in range(12)]
    competition_id = create_competition(min_reviewers=2)
    in_app(lambda: setattr(db.session.get(Competition, competition_id),
                           "max_reviews_per_reviewer", 15))
    reviewers = [create_user("reviewer", affiliation=rng.choice(institutions))
                 for _ in range(30)]
    admin = create_user("admin")
    applications = [workflow.submitted(competition_id, create_user(
        "candidate", affiliation=rng.choice(institutions)), levels=(2, 2, 2))
        for _ in range(200)]
    for application_id in applications:
        workflow.check(application_id, admin)

    def declare_conflicts():
        for application_id in rng.sample(applications, 40):
            db.session.add(Conflict(reviewer_id=rng.choice(reviewers).id,
                                    application_id=application_id, reason="Collaborator."))

    in_app(declare_conflicts)

    def run():
        competition = db.session.get(Competition, competition_id)
        plan = plan_assignment(competition)
        load = Counter(reviewer.id for _, reviewer in plan.pairs)
        per_application = Counter(application.id for application, _ in plan.pairs)
        conflicts = set(db.session.execute(sa.select(Conflict.reviewer_id,
                                                     Conflict.application_id)).all())
        broken = [
            (application.id, reviewer.id) for application, reviewer in plan.pairs
            if reviewer.id == application.candidate_id
            or reviewer.affiliation == db.session.get(User, application.candidate_id).affiliation
            or (reviewer.id, application.id) in conflicts
        ]
        return plan.short, max(load.values()), set(per_application.values()), broken, len(
            plan.pairs)

    short, heaviest, per_application, broken, pairs = in_app(run)
    assert broken == []
    assert short == {}
    assert per_application == {2} and pairs == 400
    assert heaviest <= 15
    assert heaviest - 400 // 30 <= 2  # spread evenly: 400 reviews over 30 reviewers


def test_a_short_plan_is_reported(admin_client, create_user, create_competition, workflow,
                                  in_app):
    competition_id = create_competition(min_reviewers=2)
    in_app(lambda: setattr(db.session.get(Competition, competition_id),
                           "max_reviews_per_reviewer", 1))
    create_user("reviewer")
    for _ in range(2):
        workflow.check(workflow.submitted(competition_id, create_user("candidate")),
                       admin_client.person)
    response = admin_client.post(f"/manage/competitions/{competition_id}/assign",
                                 follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "1 reviewers assigned." in body and "2 applications still lack reviewers" in body
