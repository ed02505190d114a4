"""``scores verify`` in one engine pass per rubric version (issue 17): the same answers as the
decision-by-decision check, in a constant number of SQL statements."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.analytics import panel_band, panel_figures
from assessments.models import Application, Competition, Decision, Review, ReviewScore
from assessments.recompute import EMPTY_DIGEST, ratings_digests
from assessments.states import Outcome
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
from rubrics.io import version_hash
from tests.support import counting_statements

rating = st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 4))


@settings(max_examples=60, deadline=None)
@given(st.lists(rating, max_size=40, unique_by=lambda r: r[:3]))
def test_digests_of_all_at_once_equal_each_on_its_own(rows):
    ratings = pd.DataFrame(rows, columns=list(scoring.RATING_COLUMNS)).sample(frac=1)
    digests = ratings_digests(ratings)
    assert ratings_digests(ratings, chunk=2) == digests  # made a few assessments at a time
    assert set(digests) == set(ratings["assessment_id"])
    for assessment, part in ratings.groupby("assessment_id"):
        assert digests[assessment] == scoring.ratings_digest(part)
    assert scoring.ratings_digest(ratings.iloc[:0]) == EMPTY_DIGEST


@pytest.fixture
def decided_in_bulk(create_user, create_competition, in_app):
    """decide(count) -> `count` more applications, each with two submitted reviews and a
    decision recorded as ``decide`` records it (award when the engine recommends)."""
    admin = create_user("admin")
    reviewers = [create_user("reviewer") for _ in range(2)]
    competition_id = create_competition()
    numbers = iter(range(100_000))

    def decide(count: int) -> None:
        def work():
            branch = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
            version = db.session.get(Competition, competition_id).rubric_version
            now = utcnow()
            applications = []
            for number in (next(numbers) for _ in range(count)):
                application = Application(
                    competition_id=competition_id, branch=branch, state="under_review",
                    eligibility_confirmed=True, submitted_at=now,
                    candidate=User(email=f"decided{number}@example.org", password_hash="-",
                                   full_name=f"Decided {number}", country="KZ", branch=branch,
                                   role_assignments=[RoleAssignment(role=Role.candidate)]))
                for turn, reviewer in enumerate(reviewers):
                    db.session.add(Review(
                        application=application, reviewer_id=reviewer.id, state="submitted",
                        submitted_at=now,
                        scores=[ReviewScore(criterion_id=c.id, comment="-",
                                            level=1 + (number + turn + i) % 4)
                                for i, c in enumerate(version.criteria)]))
                applications.append(application)
            db.session.flush()
            for application in applications:
                figures = panel_figures(application)
                recommended = bool(figures.result["recommended"])
                db.session.add(Decision(
                    application=application, reason="-", decided_by_id=admin.id,
                    outcome=Outcome.award if recommended else Outcome.refuse,
                    score=float(figures.result["score"]), recommended=recommended,
                    rubric_content_hash=version_hash(version),
                    engine_version=scoring.ENGINE_VERSION, ratings_hash=figures.ratings_hash,
                    band=panel_band(application, figures) if recommended else None))
        in_app(work)

    return decide


def _verify(app, runner):
    with counting_statements(app) as statements:
        result = runner.invoke(args=["scores", "verify"])
    return result, len(statements)


def test_scores_verify_runs_a_constant_number_of_statements(app, runner, decided_in_bulk,
                                                             in_app):
    decided_in_bulk(3)
    few, few_statements = _verify(app, runner)
    assert few.exit_code == 0 and "3 decisions checked, 0 mismatches" in few.output

    decided_in_bulk(297)
    many, many_statements = _verify(app, runner)
    assert many.exit_code == 0, many.output
    assert "300 decisions checked, 0 mismatches" in many.output
    assert many_statements == few_statements

    def tamper():
        decisions = db.session.scalars(sa.select(Decision).order_by(Decision.id)).all()
        decisions[10].score += 1
        decisions[20].recommended = not decisions[20].recommended
        review = db.session.scalar(sa.select(Review).where(
            Review.application_id == decisions[30].application_id))
        review.scores[0].level = 4 if review.scores[0].level != 4 else 0
        return [(d.id, d.application_id) for d in (decisions[10], decisions[20], decisions[30])]

    (score_id, score_app), (recommended_id, recommended_app), (ratings_id, ratings_app) = (
        in_app(tamper))
    result, _count = _verify(app, runner)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"decision {score_id} (application {score_app}): score" in result.output
    assert (f"decision {recommended_id} (application {recommended_app}): the recommendation "
            "recomputes differently") in lines
    assert (f"decision {ratings_id} (application {ratings_app}): ratings differ from those the "
            "decision was computed from") in lines
    assert "300 decisions checked" in result.output
