"""A reviewer's severity in the pool and on their page (issue 20 / 18): the mean signed
difference between their submitted scores and the other panel members' mean on the same
applications, with the number of applications it rests on; "—" below three."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assessments import operations
from assessments.models import Review, ReviewScore
from assessments.reviewers.severity import (
    COLUMNS,
    SCORE_COLUMNS,
    pool_severity,
    review_scores,
    severity_of_reviews,
    severity_table,
)
from assessments.states import ReviewState
from certify.core.extensions import db
from rubrics.models import Criterion
from tests.support import counting_statements


def ratings(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def test_hand_computed_severity():
    # One criterion, weight 1, levels 0..4: a level l scores 25·l percent.
    table = severity_table(ratings(
        (1, 1, "A", 2, 1.0, 4), (2, 1, "B", 4, 1.0, 4),                       # 50 vs 100
        (3, 2, "A", 2, 1.0, 4), (4, 2, "B", 3, 1.0, 4), (5, 2, "C", 4, 1.0, 4),  # 50, 75, 100
        (6, 3, "A", 4, 1.0, 4), (7, 3, "B", 4, 1.0, 4),                       # 100 vs 100
        (8, 4, "A", 0, 1.0, 4),                                               # alone: not counted
    ))
    assert table.loc["A", "n"] == 3
    assert table.loc["A", "severity"] == pytest.approx((-50 - 37.5 + 0) / 3)
    assert table.loc["B", "severity"] == pytest.approx((50 + 0 + 0) / 3)
    assert table.loc["C", "n"] == 1 and math.isnan(table.loc["C", "severity"])


def test_the_score_is_weighted_by_the_rubric_and_row_order_does_not_matter():
    rows = [(1, 1, "A", 4, 3.0, 4), (1, 1, "A", 0, 1.0, 2),   # (3·1 + 1·0) / 4 = 75 %
            (2, 1, "B", 2, 3.0, 4), (2, 1, "B", 2, 1.0, 2)]   # (3·0.5 + 1·1) / 4 = 62.5 %
    table = severity_table(ratings(*rows), min_shared=1)
    assert table.loc["A", "severity"] == pytest.approx(12.5)
    assert table.loc["B", "severity"] == pytest.approx(-12.5)
    shuffled = severity_table(ratings(*reversed(rows)), min_shared=1)
    pd.testing.assert_frame_equal(table, shuffled.loc[table.index])


def test_no_ratings_no_severity():
    assert severity_table(ratings()).empty


def test_the_pool_and_the_person_page_show_severity(app, admin_client, create_user,
                                                    create_competition, workflow, in_app):
    competition_id = create_competition()
    strict = create_user("reviewer", full_name="Strict Reviewer")
    generous = create_user("reviewer", full_name="Generous Reviewer")
    newcomer = create_user("reviewer", full_name="Newcomer Reviewer")
    for number in range(3):
        application_id = workflow.submitted(competition_id, create_user("candidate"))
        workflow.review(workflow.assign(application_id, strict, admin_client.person), (1, 1, 1))
        workflow.review(workflow.assign(application_id, generous, admin_client.person),
                        (3, 3, 3))
        if number == 0:
            workflow.review(workflow.assign(application_id, newcomer, admin_client.person),
                            (2, 2, 2))
    with counting_statements(app) as statements:
        page = admin_client.get("/reviewers/").get_data(as_text=True)
    rows = {name: page.split(name, 1)[1].split("</tr>", 1)[0]
            for name in ("Strict Reviewer", "Generous Reviewer", "Newcomer Reviewer")}
    # Levels 1, 3, 2 of 4 score 25, 75, 50 %: the strict reviewer is 50 points below the
    # generous one on two files and 37.5 below the others' mean on the first: -137.5 / 3.
    assert "-45.8" in rows["Strict Reviewer"] and "n = 3" in rows["Strict Reviewer"]
    assert "+45.8" in rows["Generous Reviewer"]
    assert "—" in rows["Newcomer Reviewer"] and "n = 1" in rows["Newcomer Reviewer"]
    assert "percentage points" in page
    assert len(statements) <= 12, statements

    person = admin_client.get(f"/people/{strict.id}").get_data(as_text=True)
    assert "Severity" in person and "-45.8" in person and "Calibration" in person

    # The panels' sums come from the database with every co-reviewer, listed or not: one
    # reviewer alone gets what the rule gives on all the reviews (severity_of_reviews).
    alone = in_app(lambda: pool_severity([strict.id]))[strict.id]
    everyone = in_app(lambda: severity_of_reviews(pd.DataFrame(
        db.session.execute(sa.select(Review.id, Review.application_id, Review.reviewer_id,
                                     Review.weighted_score)).all(), columns=SCORE_COLUMNS)))
    assert alone.n == everyone.loc[strict.id, "n"] == 3
    assert alone.value == pytest.approx(everyone.loc[strict.id, "severity"])
    assert alone.value == pytest.approx(-137.5 / 3)


def _kept_and_computed(review_ids: list[int]) -> tuple[dict, dict]:
    """Each review's kept weighted score, and the one computed from its ratings as the pool
    computed it before keeping it (review_scores)."""
    rows = db.session.execute(
        sa.select(Review.id, Review.application_id, Review.reviewer_id, ReviewScore.level,
                  Criterion.weight, Criterion.id)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .where(Review.id.in_(review_ids), Review.state == ReviewState.submitted)).all()
    tops = {c.id: c.max_level for c in db.session.scalars(sa.select(Criterion))}
    frame = ratings(*[(r[0], r[1], r[2], r[3], r[4], tops[r[5]]) for r in rows])
    computed = dict(zip(*review_scores(frame)[["review_id", "score"]].T.values, strict=True))
    kept = dict(db.session.execute(sa.select(Review.id, Review.weighted_score)
                                   .where(Review.id.in_(review_ids))).all())
    return kept, computed


def _backfill() -> str:
    """The migration's backfill statement (0039), as the upgrade runs it."""
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0039_review_weighted_score.py"
    spec = importlib.util.spec_from_file_location("migration_0039", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BACKFILL


def test_the_kept_score_is_the_ratings_score_and_goes_when_reopened(in_app, workflow,
                                                                    under_review):
    first, second = under_review["reviews"]
    workflow.review(first, (1, 2, 4))
    workflow.review(second, (0, 3, 3))
    kept, computed = in_app(lambda: _kept_and_computed([first, second]))
    assert set(kept) == {first, second} and None not in kept.values()
    assert kept == pytest.approx(computed)
    assert kept[first] != kept[second]

    def reopen():
        review = db.session.get(Review, first)
        operations.reopen_review(review, by=review.reviewer)

    in_app(reopen)
    kept, _ = in_app(lambda: _kept_and_computed([first, second]))
    assert kept[first] is None and kept[second] == pytest.approx(computed[second])
    workflow.review(first, (4, 4, 4))
    kept, computed = in_app(lambda: _kept_and_computed([first, second]))
    assert kept[first] == pytest.approx(100.0) == computed[first]


def test_the_migration_fills_the_scores_of_reviews_submitted_before_it(in_app, workflow,
                                                                      under_review):
    first, second = under_review["reviews"]
    workflow.review(first, (1, 2, 4))
    workflow.review(second, (2, 2, 3), submit=False)  # a draft keeps none
    before, computed = in_app(lambda: _kept_and_computed([first, second]))

    def forget_and_fill():
        db.session.execute(sa.update(Review).values(weighted_score=None))
        db.session.execute(sa.text(_backfill()))
        db.session.commit()

    in_app(forget_and_fill)
    after, _ = in_app(lambda: _kept_and_computed([first, second]))
    assert after[first] == pytest.approx(before[first]) == pytest.approx(computed[first])
    assert after[second] is None and before[second] is None


def _strict_and_generous(create_user, create_competition, workflow, admin, files: int = 3):
    """Two reviewers on ``files`` applications of a new competition: levels 1 (25 %) against
    3 (75 %) of 4 on every criterion. The competition's id, the strict one, the generous one."""
    competition_id = create_competition()
    strict = create_user("reviewer", full_name="Strict Reviewer")
    generous = create_user("reviewer", full_name="Generous Reviewer")
    for _ in range(files):
        application_id = workflow.submitted(competition_id, create_user("candidate"))
        workflow.review(workflow.assign(application_id, strict, admin), (1, 1, 1))
        workflow.review(workflow.assign(application_id, generous, admin), (3, 3, 3))
    return competition_id, strict, generous


def test_with_a_cache_the_pool_keeps_every_severity_and_never_shows_a_stale_one(
        app, cache, admin_client, create_user, create_competition, workflow):
    competition_id, strict, generous = _strict_and_generous(
        create_user, create_competition, workflow, admin_client.person)

    def strict_row() -> str:
        page = admin_client.get("/reviewers/").get_data(as_text=True)
        return page.split("Strict Reviewer", 1)[1].split("</tr>", 1)[0]

    assert "-50.0" in strict_row() and "n = 3" in strict_row()  # 25 % against 75 %
    prefix = app.config["PUBLIC_CACHE_KEY_PREFIX"]
    assert len(list(cache.client.scan_iter(f"{prefix}:computed:*"))) == 1
    # A fourth shared application where the strict reviewer is the generous one: the
    # fingerprint moves, the figures are computed again (-150 + 50) / 4.
    fourth = workflow.submitted(competition_id, create_user("candidate"))
    workflow.review(workflow.assign(fourth, strict, admin_client.person), (4, 4, 4))
    workflow.review(workflow.assign(fourth, generous, admin_client.person), (2, 2, 2))
    assert "-25.0" in strict_row() and "n = 4" in strict_row()


def test_with_a_job_queue_a_page_that_finds_none_kept_queues_them_and_answers_itself(
        app, cache, job_queue, admin_client, create_user, create_competition, workflow,
        runner):
    from rq import Queue

    _strict_and_generous(create_user, create_competition, workflow, admin_client.person)
    queue = Queue(app.config["JOBS_QUEUE"], connection=job_queue)
    queue.empty()  # the analytics refreshes the reviews queued: as if none had run
    prefix = app.config["PUBLIC_CACHE_KEY_PREFIX"]

    def kept() -> int:
        return len(list(cache.client.scan_iter(f"{prefix}:computed:*")))

    def pool() -> tuple[str, list[str]]:
        with counting_statements(app) as statements:
            page = admin_client.get("/reviewers/").get_data(as_text=True)
        return page.split("Strict Reviewer", 1)[1].split("</tr>", 1)[0], statements

    row, statements = pool()  # none kept: this page's own, and everyone's queued
    assert "-50.0" in row and "n = 3" in row and kept() == 0 and queue.count == 1
    assert any("weighted_score" in s and "IN (SELECT" in s for s in statements)
    # One waiting refresh, however many pages; none of them computes everyone's itself.
    assert pool()[0] == row and queue.count == 1 and kept() == 0
    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    assert kept() == 1 and queue.count == 0
    row, statements = pool()  # kept: the reviews' change mark, no co-review read
    assert "-50.0" in row and "n = 3" in row
    assert not [s for s in statements if "weighted_score" in s and "sum(" not in s]
