"""A reviewer's severity in the pool: how far the scores they submitted sit from the other
panel members' mean on the same applications (review_anchors §4 item 2, after the Workshop
assessor grade of §3: each rater against the consensus; ``docs/reviewers.md``).

Each submitted review's score is the rubric's weighted score in percent (Σ w·level/max ÷ Σ w,
over the criteria it rated; ``docs/scoring.md``), so competitions with different rubrics
compare. For each review on an application with at least one other submitted review:
difference = the reviewer's score − the mean score of the other reviewers of that application.
Severity is the mean of those differences, in percentage points (negative: stricter than their
co-reviewers), with ``n`` the number of applications it rests on; below ``MIN_SHARED`` shared
applications it is not shown (None): too few to tell a severe reviewer from a hard file.

One query loads the weighted score of every submitted review (kept on the review when it is
submitted, ``Review.weighted_score``) on the applications the listed reviewers submitted a
review on, their co-reviewers' included; pandas does the rest. With a cache (Redis,
``certify.core.computed_cache``) every reviewer's severity is computed at once and kept under a
fingerprint of the scores, so a page reads the figures of its reviewers instead of their
co-reviews (14,187 rows for a page of 25 at 100×, growing with the data); any score submitted,
withdrawn or changed, bulk SQL included, changes the fingerprint, and the next page computes
them again: never stale. The fingerprint is the reviews' change mark (one row the database's
triggers replace when a review's scoring columns change, ``certify.core.change_marks``), or,
where no mark is kept, one aggregate over the scored reviews (10–15 ms at 100×)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from assessments.models import Review
from assessments.states import ReviewState
from certify.core import jobs
from certify.core.change_marks import current_mark, watch
from certify.core.computed_cache import keep, recalled
from certify.core.extensions import db

MIN_SHARED = 3
# Bump when the kept figures' shape changes, so entries of the old shape are never read.
SEVERITY_FORMAT = 1
SEVERITY_PENDING = "reviewer-severity"  # the refresh waiting on the job queue (certify.core.jobs)
# What every severity reads of a review (``_scored`` and ``scores_for``); migration 0041.
REVIEW_SCORES = "review scores"
watch(REVIEW_SCORES, "reviews", ("application_id", "reviewer_id", "state", "weighted_score"))
COLUMNS = ["review_id", "application_id", "reviewer_id", "level", "weight", "max_level"]
SCORE_COLUMNS = ["review_id", "application_id", "reviewer_id", "score"]


@dataclass(frozen=True)
class Severity:
    value: float | None  # percentage points; None below MIN_SHARED shared applications
    n: int  # applications shared with at least one other reviewer


def review_weighted_score(rated: Iterable[tuple[float, int, int]]) -> float | None:
    """One review's weighted score in percent from its (weight, level, max level) ratings:
    100 × Σ w·level/max ÷ Σ w over the criteria it rated (docs/scoring.md); None when it rated
    none. Kept on each review when it is submitted (``Review.weighted_score``); ``review_scores``
    is the same rule on a frame of ratings."""
    ratings = [(float(weight), level, top) for weight, level, top in rated
               if level is not None and top]
    total = sum(weight for weight, _level, _top in ratings)
    if not total:
        return None
    return 100.0 * sum(weight * level / top for weight, level, top in ratings) / total


def review_scores(ratings: pd.DataFrame) -> pd.DataFrame:
    """Pure: ratings (``COLUMNS``) in; one row per review (``SCORE_COLUMNS``) with its weighted
    score in percent, as ``review_weighted_score`` gives it."""
    frame = ratings.assign(part=ratings["weight"] * ratings["level"] / ratings["max_level"])
    reviews = frame.groupby(["review_id", "application_id", "reviewer_id"], as_index=False).agg(
        part=("part", "sum"), weight=("weight", "sum"))
    return reviews.assign(score=100.0 * reviews["part"] / reviews["weight"])[SCORE_COLUMNS]


def severity_of_reviews(reviews: pd.DataFrame, min_shared: int = MIN_SHARED) -> pd.DataFrame:
    """Pure: one row per review (``SCORE_COLUMNS``) in; per ``reviewer_id``: ``severity`` (NaN
    below ``min_shared``) and ``n``."""
    if reviews.empty:
        return pd.DataFrame({"severity": pd.Series(dtype=float), "n": pd.Series(dtype=int)})
    reviews = reviews.astype({"score": float})
    per_application = reviews.groupby("application_id")["score"]
    count = per_application.transform("count")
    others = (per_application.transform("sum") - reviews["score"]) / (count - 1).where(count > 1)
    reviews["difference"] = reviews["score"] - others
    table = reviews.groupby("reviewer_id").agg(severity=("difference", "mean"),
                                               n=("difference", "count"))
    table["severity"] = table["severity"].where(table["n"] >= min_shared)
    return table


def severity_table(ratings: pd.DataFrame, min_shared: int = MIN_SHARED) -> pd.DataFrame:
    """Pure: ratings (``COLUMNS``) in; per ``reviewer_id``: ``severity`` (NaN below
    ``min_shared``) and ``n``."""
    return severity_of_reviews(review_scores(ratings), min_shared)


def _scored():
    return sa.and_(Review.state == ReviewState.submitted, Review.weighted_score.is_not(None))


def scores_for(reviewer_ids: Iterable[int] | None) -> pd.DataFrame:
    """Every submitted review (``SCORE_COLUMNS``) on the applications these reviewers submitted
    a review on (None: on every application), with the weighted score kept on it at
    submission: a row per review, not per rating (at 100× a page of 25 reviewers meant 175,000
    ratings, 1.9 s)."""
    query = sa.select(Review.id, Review.application_id, Review.reviewer_id,
                      Review.weighted_score).where(_scored())
    if reviewer_ids is not None:
        ids = list(reviewer_ids)
        if not ids:
            return pd.DataFrame(columns=SCORE_COLUMNS)
        query = query.where(Review.application_id.in_(
            sa.select(Review.application_id).where(Review.reviewer_id.in_(ids), _scored())))
    return pd.DataFrame.from_records(db.session.execute(query).all(), columns=SCORE_COLUMNS)


def _wide(column):
    return sa.cast(column, sa.BigInteger)  # 20,000 applications × 60,000 reviews nears 2³¹


def scores_fingerprint() -> str:
    """What every severity is computed from: the reviews' change mark, or without one
    ``_scores_aggregate``."""
    mark = current_mark(REVIEW_SCORES)
    return f"mark:{mark}" if mark is not None else _scores_aggregate()


def _scores_aggregate() -> str:
    """What every severity is computed from, summed up in one statement: the scored reviews'
    count and sums weighted by each row's id of score, reviewer and application, so a review
    submitted, reopened, rescored or moved changes it. The score sum is rounded to 0.1: a
    change of score moves it by at least a point times the id, while PostgreSQL may add the
    floats in another order from one run to the next."""
    count, scores, reviewers, applications = db.session.execute(
        sa.select(sa.func.count(Review.id),
                  sa.func.coalesce(sa.func.sum(Review.weighted_score * Review.id), 0),
                  sa.func.coalesce(sa.func.sum(_wide(Review.reviewer_id) * Review.id), 0),
                  sa.func.coalesce(sa.func.sum(_wide(Review.application_id) * Review.id), 0))
        .where(_scored())).one()
    return f"{count}:{float(scores):.1f}:{reviewers}:{applications}"


def _severities(reviewer_ids: list[int] | None) -> dict[str, list]:
    """[severity, n] by reviewer id (as text: the kept JSON's keys), of these reviewers or of
    every reviewer (None)."""
    table = severity_of_reviews(scores_for(reviewer_ids))
    return {str(int(reviewer)): [None if pd.isna(row.severity) else float(row.severity),
                                 int(row.n)]
            for reviewer, row in table.iterrows()}


def _kept_under() -> tuple:
    return ("reviewer severity", SEVERITY_FORMAT, scores_fingerprint())


def keep_every_severity() -> dict[str, list]:
    """Every reviewer's [severity, n], kept under the scores' fingerprint (computed when none
    is kept yet): what the pool reads."""
    parts = _kept_under()
    found = recalled(parts)
    return found if found is not None else keep(parts, _severities(None))


def refresh_every_severity() -> None:
    """What the job worker runs after a review's score changed (or a pool page found none
    kept), so that the next pool page reads its figures."""
    jobs.refresh_started(SEVERITY_PENDING)
    try:
        keep_every_severity()
    finally:
        db.session.remove()


def pool_severity(reviewer_ids: Iterable[int]) -> dict[int, Severity]:
    """Each listed reviewer's severity (n = 0 and None without shared applications). With a
    cache, from the kept figures of every reviewer; when none are kept for the scores as they
    are, this page's from its reviewers' co-reviews while a job keeps everyone's (without a job
    queue, everyone's now). Without a cache, from the co-reviews each time."""
    ids = list(reviewer_ids)
    found = None
    if current_app.config.get("PUBLIC_CACHE_URL"):
        parts = _kept_under()  # the fingerprint: one aggregate over every scored review
        found = recalled(parts)
        if found is None and current_app.config.get("JOBS_REDIS_URL"):
            # Queued, or already waiting: this page answers from its own reviewers meanwhile.
            jobs.enqueue_refresh("assessments.reviewers.severity.refresh_every_severity",
                                 pending=SEVERITY_PENDING)
        elif found is None:
            found = keep(parts, _severities(None))
    if found is None:
        found = _severities(ids)
    return {i: Severity(*found[str(i)]) if str(i) in found else Severity(None, 0) for i in ids}
