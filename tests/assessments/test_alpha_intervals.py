"""Krippendorff's α and reviewer severity only where the sample supports them, α with a
bootstrap 95 % interval (reliability.alpha_intervals), on the competition analytics page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessments.reliability import (
    INTERVAL_COLUMNS,
    MIN_ALPHA_APPLICATIONS,
    OVERALL,
    alpha_intervals,
    interrater_reliability,
    reliability_table,
)
from assessments.scoring import RATING_COLUMNS
from tests.support import login

CRITERIA = pd.DataFrame({"criterion_id": ["A", "B"], "weight": [1, 1], "max_level": [4, 4],
                         "min_pass_level": [None, None]})


def random_ratings(seed: int, applications: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for application in range(applications):
        truth = rng.integers(0, 5, 2)
        for reviewer in rng.choice(6, 2 + int(rng.integers(0, 2)), replace=False):
            for criterion, level in zip("AB", truth, strict=True):
                rows.append((application, int(reviewer), criterion,
                             int(np.clip(level + rng.integers(-1, 2), 0, 4))))
    return pd.DataFrame(rows, columns=list(RATING_COLUMNS))


@pytest.mark.parametrize("seed", range(8))
def test_the_interval_surrounds_alpha_and_is_reproducible(seed):
    ratings = random_ratings(seed, 30)
    alpha = interrater_reliability(ratings, CRITERIA)["alpha"]
    result = alpha_intervals(ratings, CRITERIA)
    assert list(result.columns) == list(INTERVAL_COLUMNS)
    assert list(result.index) == ["A", "B", OVERALL]
    assert result["enough"].all() and (result["n_applications"] == 30).all()
    assert ((result["low"] <= alpha + 1e-9) & (alpha - 1e-9 <= result["high"])).all()
    assert ((result["low"] >= -1) & (result["high"] <= 1)).all()
    pd.testing.assert_frame_equal(result, alpha_intervals(ratings, CRITERIA))


def test_below_the_minimum_sample_there_is_no_interval():
    ratings = random_ratings(3, MIN_ALPHA_APPLICATIONS - 1)
    result = alpha_intervals(ratings, CRITERIA)
    assert not result["enough"].any()
    assert result["low"].isna().all() and result["high"].isna().all()
    assert (result["n_applications"] == MIN_ALPHA_APPLICATIONS - 1).all()


def test_perfect_agreement_gives_an_interval_at_one():
    ratings = random_ratings(4, 12)
    ratings["level"] = ratings["assessment_id"] % 5  # every reviewer agrees
    result = alpha_intervals(ratings, CRITERIA)
    assert np.allclose(result[["low", "high"]].to_numpy(), 1.0)


@pytest.mark.parametrize("rows", [
    [],  # no rating at all
    [(1, 1, "A", 3)],  # one rating
    # one reviewer for each application
    [(a, a % 3, c, (a + i) % 5) for a in range(12) for i, c in enumerate("AB")],
], ids=["none", "one rating", "one reviewer per application"])
def test_without_a_pairable_unit_there_is_no_alpha_and_no_interval(rows):
    """Ratings but no application rated twice on a criterion (the first reviews of a call):
    α undefined, no interval, nothing raised."""
    ratings = pd.DataFrame(rows, columns=list(RATING_COLUMNS))
    result = reliability_table(ratings, CRITERIA)
    assert result["n_units"].eq(0).all() and result["alpha"].isna().all()
    assert (result["n_applications"] == 0).all() and not result["enough"].any()
    assert result["low"].isna().all() and result["high"].isna().all()
    intervals = alpha_intervals(ratings, CRITERIA, min_applications=0)
    assert list(intervals.index) == ["A", "B", OVERALL] and intervals["low"].isna().all()


def test_no_resample_gives_no_interval():
    result = alpha_intervals(random_ratings(5, 20), CRITERIA, resamples=0)
    assert result["enough"].all() and result["low"].isna().all()


def test_analytics_page_with_one_review_in(app, create_user, create_competition, workflow):
    """The first review of a call: the page answers, saying α needs more (it failed with an
    error while nothing could be resampled)."""
    admin = create_user("admin")
    competition_id = create_competition()
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    workflow.review(workflow.assign(application_id, create_user("reviewer"), admin),
                    levels=(4, 3, 2))
    client = app.test_client()
    login(client, admin)
    response = client.get(f"/manage/competitions/{competition_id}/analytics")
    assert response.status_code == 200
    assert "not enough data: 0 applications with two or more reviews, at least 10 needed" in (
        response.get_data(as_text=True))


def test_analytics_page_shows_alpha_only_with_enough_applications(app, create_user,
                                                                 create_competition, workflow):
    admin = create_user("admin")
    competition_id = create_competition()
    reviewers = [create_user("reviewer") for _ in range(2)]

    def add_application(levels):
        application_id = workflow.submitted(competition_id, create_user("candidate"))
        for reviewer in reviewers:
            workflow.review(workflow.assign(application_id, reviewer, admin), levels=levels)

    samples = [(4, 3, 2), (1, 2, 2), (2, 2, 3), (3, 3, 3), (0, 1, 2), (4, 4, 4), (2, 3, 4),
               (1, 1, 1), (3, 2, 1), (4, 2, 0)]
    for levels in samples[:3]:
        add_application(levels)
    client = app.test_client()
    login(client, admin)
    url = f"/manage/competitions/{competition_id}/analytics"
    body = client.get(url).get_data(as_text=True)
    assert "not enough data: 3 applications with two or more reviews, at least 10 needed" in body
    assert "95% interval" not in body
    assert "not enough data: 3 reviews, at least 5 needed" in body  # severity

    for levels in samples[3:]:
        add_application(levels)
    body = client.get(url).get_data(as_text=True)
    assert "95% interval" in body
    assert "applications with two or more reviews, at least 10 needed" not in body
    assert "not enough data: 10 reviews" not in body
