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

One query loads every rating of every application the listed reviewers submitted a review on
(with their co-reviewers' ratings); pandas does the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from assessments.models import Review, ReviewScore
from assessments.states import ReviewState
from certify.core.extensions import db
from rubrics.models import Criterion, Level

MIN_SHARED = 3
COLUMNS = ["review_id", "application_id", "reviewer_id", "level", "weight", "max_level"]


@dataclass(frozen=True)
class Severity:
    value: float | None  # percentage points; None below MIN_SHARED shared applications
    n: int  # applications shared with at least one other reviewer


def severity_table(ratings: pd.DataFrame, min_shared: int = MIN_SHARED) -> pd.DataFrame:
    """Pure: ratings (``COLUMNS``) in; per ``reviewer_id``: ``severity`` (NaN below
    ``min_shared``) and ``n``."""
    if ratings.empty:
        return pd.DataFrame({"severity": pd.Series(dtype=float), "n": pd.Series(dtype=int)})
    frame = ratings.assign(part=ratings["weight"] * ratings["level"] / ratings["max_level"])
    reviews = frame.groupby(["review_id", "application_id", "reviewer_id"], as_index=False).agg(
        part=("part", "sum"), weight=("weight", "sum"))
    reviews["score"] = 100.0 * reviews["part"] / reviews["weight"]
    per_application = reviews.groupby("application_id")["score"]
    count = per_application.transform("count")
    others = (per_application.transform("sum") - reviews["score"]) / (count - 1).where(count > 1)
    reviews["difference"] = reviews["score"] - others
    table = reviews.groupby("reviewer_id").agg(severity=("difference", "mean"),
                                               n=("difference", "count"))
    table["severity"] = table["severity"].where(table["n"] >= min_shared)
    return table


def ratings_for(reviewer_ids: Iterable[int]) -> pd.DataFrame:
    """Every submitted rating on the applications these reviewers submitted a review on."""
    ids = list(reviewer_ids)
    if not ids:
        return pd.DataFrame(columns=COLUMNS)
    maxima = (sa.select(Level.criterion_id, sa.func.max(Level.value).label("max_level"))
              .group_by(Level.criterion_id).subquery())
    shared = sa.select(Review.application_id).where(Review.reviewer_id.in_(ids),
                                                    Review.state == ReviewState.submitted)
    rows = db.session.execute(
        sa.select(Review.id, Review.application_id, Review.reviewer_id, ReviewScore.level,
                  Criterion.weight, maxima.c.max_level)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .join(maxima, maxima.c.criterion_id == Criterion.id)
        .where(Review.state == ReviewState.submitted, ReviewScore.level.is_not(None),
               maxima.c.max_level > 0, Review.application_id.in_(shared))).all()
    return pd.DataFrame(rows, columns=COLUMNS)


def pool_severity(reviewer_ids: Iterable[int]) -> dict[int, Severity]:
    """Each listed reviewer's severity (n = 0 and None without shared applications)."""
    ids = list(reviewer_ids)
    table = severity_table(ratings_for(ids))
    found = {int(reviewer): Severity(None if pd.isna(row.severity) else float(row.severity),
                                     int(row.n))
             for reviewer, row in table.iterrows()}
    return {i: found.get(i, Severity(None, 0)) for i in ids}
