"""Certificate numbers stay gapless and unique when many are issued at once (PostgreSQL)."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from assessments import operations
from assessments.models import Application, Decision, Review
from assessments.states import Outcome
from certify.certificates import credentials as vc
from certify.certificates.models import Certificate
from certify.certificates.numbering import next_sequence
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.users.models import User
from tests.support import in_threads

pytestmark = pytest.mark.postgres


def test_fifty_parallel_sequence_numbers_are_gapless(app):
    results, errors = in_threads(app, 50, lambda i: next_sequence("UPME", "KZ", 2031))
    assert errors == []
    assert sorted(results) == list(range(1, 51))


def test_parallel_awards_get_unique_consecutive_numbers(app, create_user, create_competition,
                                                        workflow, in_app):
    admin = create_user("admin")
    competition_id = create_competition()
    application_ids = []
    for _ in range(12):
        application_id = workflow.submitted(competition_id, create_user("candidate"))
        for _ in range(2):
            workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
        application_ids.append(application_id)

    def award(i):
        operations.decide(db.session.get(Application, application_ids[i]), Outcome.award,
                          "Awarded in a parallel batch.", by=db.session.get(User, admin.id))
        return i

    results, errors = in_threads(app, len(application_ids), award)
    assert errors == [] and len(results) == 12
    sequences = in_app(lambda: sorted(db.session.scalars(sa.select(Certificate.sequence))))
    assert sequences == list(range(1, 13))
    numbers = in_app(lambda: list(db.session.scalars(sa.select(Certificate.number))))
    assert len(set(numbers)) == 12


def test_two_tabs_saving_one_review_at_once_lose_nothing(app, create_user, create_competition,
                                                         workflow, in_app):
    """Both tabs loaded version 1; exactly one save wins, the other is told of the conflict."""

    admin, reviewer = create_user("admin"), create_user("reviewer")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    review_id = workflow.assign(application_id, reviewer, admin)

    def save(i):
        review = db.session.get(Review, review_id)
        scores = {s.criterion_id: operations.ScoreInput(level=i % 5, comment=f"tab {i}")
                  for s in review.scores}
        operations.save_review(review, scores, submit=False, expected_version=1,
                               by=db.session.get(User, reviewer.id))
        return i

    results, errors = in_threads(app, 2, save)
    assert len(results) == 1 and len(errors) == 1
    assert "changed elsewhere" in str(errors[0]) or "StaleData" in type(errors[0]).__name__

    def stored():
        review = db.session.get(Review, review_id)
        return review.version, {s.comment for s in review.scores}

    version, comments = in_app(stored)
    assert version == 2 and comments == {f"tab {results[0]}"}


def test_a_double_decision_takes_effect_once(app, create_user, create_competition, workflow,
                                             in_app):
    admin = create_user("admin")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))

    def decide(i):
        operations.decide(db.session.get(Application, application_id), Outcome.award,
                          "Awarded twice at the same moment?", by=db.session.get(User, admin.id))
        return i

    results, errors = in_threads(app, 2, decide)
    assert len(results) == 1 and len(errors) == 1
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Decision.id)))) == 1
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 1


def test_a_double_submit_takes_effect_once(app, create_user, create_competition, workflow,
                                           in_app):
    candidate = create_user("candidate")
    application_id = workflow.start(create_competition(), candidate)
    workflow.fill(application_id)

    def submit(i):
        operations.submit_application(db.session.get(Application, application_id),
                                      by=db.session.get(User, candidate.id))
        return i

    results, errors = in_threads(app, 2, submit)
    assert len(results) == 1 and len(errors) == 1

    def submissions():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "application.submit"))

    assert in_app(submissions) == 1


def test_a_status_position_taken_in_parallel_is_given_up_for_another(app, award, in_app,
                                                                    monkeypatch):
    """Awards under different number sequences do not wait for each other and may draw the
    same status-list position. Here another transaction takes the drawn position and commits
    between this award's look at the free positions and its write: the award takes another
    position instead of failing."""


    award()
    first = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    real_randbelow = secrets.randbelow
    draws = iter([7, 8])

    def draw(size):
        if size != vc.STATUS_LIST_MIN_ENTRIES:
            return real_randbelow(size)
        index = next(draws)
        if index == 7:  # the parallel issuance writes position 7 and commits first
            with db.engine.begin() as other:
                other.execute(sa.update(Certificate).where(Certificate.id == first)
                              .values(status_index=7))
        return index

    monkeypatch.setattr(secrets, "randbelow", draw)
    award()
    monkeypatch.undo()
    positions = in_app(lambda: dict(db.session.execute(
        sa.select(Certificate.id, Certificate.status_index)).all()))
    assert positions[first] == 7
    assert sorted(positions.values()) == [7, 8]
    assert next(draws, None) is None  # exactly one position given up
