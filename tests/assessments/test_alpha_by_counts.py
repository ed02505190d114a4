"""Krippendorff's α and its bootstrap interval from per-unit value counts (issue 17, 100×):
the same figures as the reviewers × units matrix they replaced, on generated data.

The references below are the previous implementations, kept as oracles: the matrix given to
``krippendorff.alpha`` as reliability data, and each resample as a product over units."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from assessments.reliability import (
    OVERALL,
    _ordinal_alpha,
    alpha_intervals,
    interrater_reliability,
)
from assessments.scoring import RATING_COLUMNS


def matrix_alpha(matrix: pd.DataFrame, max_level: int) -> float:
    pairable = matrix.loc[:, matrix.notna().sum() >= 2].to_numpy(dtype=float)
    if pairable.shape[1] == 0 or np.unique(pairable[~np.isnan(pairable)]).size < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=pairable, level_of_measurement="ordinal",
                                    value_domain=np.arange(max_level + 1)))


def matrix_reliability(ratings: pd.DataFrame, criteria: pd.DataFrame) -> dict:
    max_levels = criteria.set_index("criterion_id")["max_level"]
    rows = {}
    for criterion_id, part in ratings.groupby("criterion_id"):
        matrix = part.pivot(index="reviewer_id", columns="assessment_id", values="level")
        rows[criterion_id] = (matrix_alpha(matrix, int(max_levels[criterion_id])),
                              int((matrix.notna().sum() >= 2).sum()), len(part))
    overall = ratings.pivot_table(index="reviewer_id", columns=["assessment_id", "criterion_id"],
                                  values="level", aggfunc="first")
    rows[OVERALL] = (matrix_alpha(overall, int(max_levels.max())),
                     int((overall.notna().sum() >= 2).sum()), len(ratings))
    return rows


def per_unit_intervals(ratings: pd.DataFrame, criteria: pd.DataFrame, resamples: int = 500,
                       seed: int = 17024) -> dict:
    size = int(criteria["max_level"].max()) + 1
    counts = (ratings.groupby(["criterion_id", "assessment_id", "level"]).size()
              .unstack("level", fill_value=0).reindex(columns=range(size), fill_value=0))
    counts = counts[counts.sum(axis=1) >= 2]
    values = counts.to_numpy(dtype=float)
    shares = values[:, :, None] * values[:, None, :]
    shares[:, np.arange(size), np.arange(size)] -= values
    shares /= (values.sum(axis=1) - 1)[:, None, None]
    unit_criterion = counts.index.get_level_values("criterion_id")
    unit_application, applications = pd.factorize(counts.index.get_level_values("assessment_id"))
    draws = np.random.default_rng(seed).integers(0, len(applications),
                                                 size=(resamples, len(applications)))
    weights = np.zeros((resamples, len(applications)))
    np.add.at(weights, (np.arange(resamples)[:, None], draws), 1.0)
    rows = {}
    for key in [*criteria["criterion_id"], OVERALL]:
        chosen = np.ones(len(counts), bool) if key == OVERALL else unit_criterion == key
        sampled = weights[:, unit_application[chosen]] @ shares[chosen].reshape(-1, size * size)
        alphas = _ordinal_alpha(sampled.reshape(resamples, size, size))
        rows[key] = tuple(np.percentile(alphas[~np.isnan(alphas)], [2.5, 97.5]))
    return rows


def generated(seed: int, applications: int, reviewers: int, criteria: pd.DataFrame,
              single_share: float = 0.1) -> pd.DataFrame:
    """Panels of two to four reviewers around a true level; some criteria rated once only."""
    rng = np.random.default_rng(seed)
    rows = []
    for application in range(applications):
        panel = rng.choice(reviewers, int(rng.integers(2, 5)), replace=False)
        for criterion, max_level in zip(criteria["criterion_id"], criteria["max_level"],
                                        strict=True):
            truth = int(rng.integers(0, max_level + 1))
            raters = panel[:1] if rng.random() < single_share else panel
            for reviewer in raters:
                level = int(np.clip(truth + rng.integers(-1, 2), 0, max_level))
                rows.append((application, int(reviewer), criterion, level))
    return pd.DataFrame(rows, columns=list(RATING_COLUMNS))


CRITERIA = pd.DataFrame({"criterion_id": [11, 12, 13, 14], "weight": [1, 2, 1, 1],
                         "max_level": [4, 4, 3, 5], "min_pass_level": [None, 2, None, None]})


@pytest.mark.parametrize(("seed", "applications", "reviewers"),
                         [(1, 12, 5), (2, 40, 8), (3, 300, 60), (4, 1500, 200)])
def test_alpha_from_counts_equals_alpha_from_the_matrix(seed, applications, reviewers):
    ratings = generated(seed, applications, reviewers, CRITERIA)
    result = interrater_reliability(ratings, CRITERIA)
    expected = matrix_reliability(ratings, CRITERIA)
    assert list(result.index) == [*CRITERIA["criterion_id"], OVERALL]
    for key, (alpha, n_units, n_ratings) in expected.items():
        assert result.loc[key, "n_units"] == n_units
        assert result.loc[key, "n_ratings"] == n_ratings
        assert result.loc[key, "alpha"] == pytest.approx(alpha, rel=1e-12, abs=1e-12)


def test_undefined_alpha_stays_undefined():
    ratings = generated(5, 20, 6, CRITERIA)
    ratings.loc[ratings["criterion_id"] == 11, "level"] = 3  # one value: α undefined
    single = ratings[ratings["criterion_id"] == 12].drop_duplicates("assessment_id")
    ratings = pd.concat([ratings[ratings["criterion_id"] != 12], single])  # no pairable unit
    result = interrater_reliability(ratings, CRITERIA)
    expected = matrix_reliability(ratings, CRITERIA)
    assert np.isnan(result.loc[11, "alpha"]) and np.isnan(expected[11][0])
    assert np.isnan(result.loc[12, "alpha"]) and result.loc[12, "n_units"] == 0 == expected[12][1]
    assert result.loc[OVERALL, "alpha"] == pytest.approx(expected[OVERALL][0], rel=1e-12)


@pytest.mark.parametrize(("seed", "applications", "reviewers"),
                         [(6, 30, 6), (7, 400, 50), (8, 2000, 150)])
def test_intervals_summed_per_application_equal_the_per_unit_product(seed, applications,
                                                                     reviewers):
    ratings = generated(seed, applications, reviewers, CRITERIA)
    result = alpha_intervals(ratings, CRITERIA)
    for key, (low, high) in per_unit_intervals(ratings, CRITERIA).items():
        assert result.loc[key, "low"] == pytest.approx(low, rel=1e-12, abs=1e-12)
        assert result.loc[key, "high"] == pytest.approx(high, rel=1e-12, abs=1e-12)
