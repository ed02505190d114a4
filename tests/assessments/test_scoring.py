"""The scoring engine (assessments.scoring.score_panel): pure pandas, no app needed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from assessments.scoring import CRITERION_COLUMNS, RATING_COLUMNS, RESULT_COLUMNS, score_panel
from tests.support import TWO, criteria_frame, panel, ratings_frame

SEEDS = range(25)







# --- hand-computed cases --------------------------------------------------------------------


def test_shape_of_the_result():
    result = score_panel(panel({"A": [4, 2], "B": [1, 3]}), TWO)
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert result.index.name == "assessment_id"
    assert list(result.index) == ["a1"]


def test_hand_computed_two_criteria_two_reviewers():
    # A: levels 4 and 2 -> mean 3; B: levels 1 and 3 -> mean 2.
    # score = 100 * (3 * 3/4 + 1 * 2/4) / (3 + 1) = 100 * (2.25 + 0.5) / 4 = 68.75
    result = score_panel(panel({"A": [4, 2], "B": [1, 3]}), TWO).loc["a1"]
    assert result["score"] == pytest.approx(68.75)
    assert bool(result["complete"]) is True
    assert result["n_reviewers"] == 2
    assert bool(result["gates_passed"]) is True
    assert bool(result["disagreement"]) is True  # A spreads 4 - 2 = 2
    assert bool(result["recommended"]) is False  # 68.75 < 70


def test_hand_computed_recommended_case():
    # A: 4, 3 -> mean 3.5; B: 2, 2 -> mean 2.
    # score = 100 * (3 * 3.5/4 + 1 * 2/4) / 4 = 100 * (2.625 + 0.5) / 4 = 78.125
    result = score_panel(panel({"A": [4, 3], "B": [2, 2]}), TWO).loc["a1"]
    assert result["score"] == pytest.approx(78.125)
    assert bool(result["disagreement"]) is False
    assert bool(result["recommended"]) is True


def test_different_max_levels_are_normalised_per_criterion():
    # A on 0..4 rated 2 -> 0.5; B on 0..2 rated 2 -> 1.0; weights 1 and 1.
    # score = 100 * (0.5 + 1.0) / 2 = 75
    criteria = criteria_frame([("A", 1, 4, None), ("B", 1, 2, None)])
    result = score_panel(panel({"A": [2], "B": [2]}), criteria).loc["a1"]
    assert result["score"] == pytest.approx(75.0)


def test_single_reviewer():
    # score = 100 * (3 * 1/4 + 1 * 4/4) / 4 = 100 * 1.75 / 4 = 43.75
    result = score_panel(panel({"A": [1], "B": [4]}), TWO).loc["a1"]
    assert result["score"] == pytest.approx(43.75)
    assert result["n_reviewers"] == 1
    assert bool(result["disagreement"]) is False


def test_criterion_ids_may_be_integers():
    # As the application passes them (database ids).
    criteria = criteria_frame([(11, 3, 4, None), (12, 1, 4, None)])
    ratings = ratings_frame([(7, 1, 11, 4), (7, 1, 12, 0)])
    result = score_panel(ratings, criteria)
    # score = 100 * (3 * 1 + 1 * 0) / 4 = 75
    assert result.loc[7, "score"] == pytest.approx(75.0)


def test_inputs_are_not_modified():
    ratings = panel({"A": [4, 2], "B": [1, 3]})
    criteria = TWO.copy()
    before_ratings, before_criteria = ratings.copy(), criteria.copy()
    score_panel(ratings, criteria)
    assert_frame_equal(ratings, before_ratings)
    assert_frame_equal(criteria, before_criteria)


# --- completeness and reviewers -------------------------------------------------------------


def test_unrated_criterion_gives_nan_score_and_incomplete():
    result = score_panel(panel({"A": [4, 4]}), TWO).loc["a1"]
    assert math.isnan(result["score"])
    assert bool(result["complete"]) is False
    assert bool(result["recommended"]) is False


def test_criterion_rated_by_only_one_reviewer_counts_as_rated():
    # A: 4, 2 -> mean 3; B: only reviewer 2 rated it, 4 -> mean 4.
    # score = 100 * (3 * 3/4 + 1 * 4/4) / 4 = 100 * 3.25 / 4 = 81.25
    ratings = ratings_frame([
        ("a1", "r1", "A", 4), ("a1", "r2", "A", 2), ("a1", "r2", "B", 4),
    ])
    result = score_panel(ratings, TWO).loc["a1"]
    assert bool(result["complete"]) is True
    assert result["score"] == pytest.approx(81.25)
    assert result["n_reviewers"] == 2


def test_n_reviewers_counts_distinct_reviewers():
    ratings = panel({"A": [1, 2, 3], "B": [1, 2, 3]})
    result = score_panel(ratings, TWO).loc["a1"]
    assert result["n_reviewers"] == 3


# --- gates ----------------------------------------------------------------------------------

GATED = criteria_frame([("G", 1, 4, 2), ("B", 1, 4, None)])


def test_gate_passes_when_every_reviewer_reaches_it():
    result = score_panel(panel({"G": [2, 4], "B": [4, 4]}), GATED).loc["a1"]
    assert bool(result["gates_passed"]) is True
    assert bool(result["recommended"]) is True


def test_gate_is_not_rescued_by_the_mean():
    # G rated 3 and 1: mean 2 equals min_pass_level, but one reviewer is below it.
    result = score_panel(panel({"G": [3, 1], "B": [4, 4]}), GATED).loc["a1"]
    assert bool(result["gates_passed"]) is False
    # score = 100 * (1 * 2/4 + 1 * 4/4) / 2 = 75 >= 70, yet not recommended.
    assert result["score"] == pytest.approx(75.0)
    assert bool(result["recommended"]) is False


def test_unrated_gated_criterion_fails_the_gate():
    result = score_panel(panel({"B": [4, 4]}), GATED).loc["a1"]
    assert bool(result["gates_passed"]) is False
    assert bool(result["complete"]) is False


def test_gate_at_zero_always_passes_once_rated():
    criteria = criteria_frame([("G", 1, 4, 0), ("B", 1, 4, None)])
    result = score_panel(panel({"G": [0, 0], "B": [4, 4]}), criteria).loc["a1"]
    assert bool(result["gates_passed"]) is True


def test_ungated_criteria_never_fail_gates():
    result = score_panel(panel({"A": [0, 0], "B": [0, 0]}), TWO).loc["a1"]
    assert bool(result["gates_passed"]) is True
    assert result["score"] == 0.0


# --- disagreement ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({"A": [4, 2], "B": [2, 2]}, True),    # spread 2
        ({"A": [4, 0], "B": [2, 2]}, True),    # spread 4
        ({"A": [3, 2], "B": [2, 1]}, False),   # spread 1 on each
        ({"A": [2, 2], "B": [2, 2]}, False),   # spread 0
        ({"A": [3, 3], "B": [1, 3]}, True),    # spread 2 on B
        ({"A": [4, 3, 2], "B": [1, 1, 1]}, True),  # max - min over three reviewers
        ({"A": [4], "B": [0]}, False),         # one reviewer cannot disagree
    ],
)
def test_disagreement(levels, expected):
    result = score_panel(panel(levels), TWO).loc["a1"]
    assert bool(result["disagreement"]) is expected


# --- recommendation and its threshold -------------------------------------------------------


def test_score_exactly_at_the_default_threshold_is_recommended():
    # Weights 7 and 3: A rated 4 (full marks), B rated 0.
    # score = 100 * (7 * 4/4 + 3 * 0/4) / 10 = 70 = the default threshold.
    criteria = criteria_frame([("A", 7, 4, None), ("B", 3, 4, None)])
    # Without the floor (engine 1.0's rule): B at 0 would otherwise refuse it.
    result = score_panel(panel({"A": [4, 4], "B": [0, 0]}), criteria, floor=None).loc["a1"]
    assert result["score"] == 70.0
    assert bool(result["recommended"]) is True


@pytest.mark.parametrize(
    ("threshold", "expected"), [(74.0, True), (75.0, True), (75.01, False), (100.0, False)]
)
def test_threshold_boundary(threshold, expected):
    # score = 100 * (3 * 4/4 + 1 * 0/4) / 4 = 75
    result = score_panel(panel({"A": [4, 4], "B": [0, 0]}), TWO, pass_threshold=threshold,
                         floor=None)
    assert result.loc["a1", "score"] == 75.0
    assert bool(result.loc["a1", "recommended"]) is expected


def test_score_exactly_at_threshold_with_three_reviewers_is_recommended():
    # Three criteria, equal weights, three reviewers.
    # A: 4, 0, 0 -> 4/3;  B: 4, 2, 0 -> 2;  C: 4, 4, 0 -> 8/3.
    # score = 100 * (4/3 + 2 + 8/3) / 4 / 3 = 100 * 6 / 12 = 50 exactly.
    criteria = criteria_frame([("A", 1, 4, None), ("B", 1, 4, None), ("C", 1, 4, None)])
    ratings = panel({"A": [4, 0, 0], "B": [4, 2, 0], "C": [4, 4, 0]})
    result = score_panel(ratings, criteria, pass_threshold=50.0, floor=None).loc["a1"]
    assert bool(result["complete"]) and bool(result["gates_passed"])
    assert bool(result["recommended"]) is True
    # With the default floor (level 2), A's mean 4/3 is below it: refused.
    floored = score_panel(ratings, criteria, pass_threshold=50.0).loc["a1"]
    assert floored["below_floor"] == ("A",)
    assert bool(floored["recommended"]) is False


def test_recommended_needs_complete_gates_and_score_together():
    criteria = criteria_frame([("G", 1, 4, 2), ("B", 1, 4, None), ("C", 1, 4, None)])
    ratings = pd.concat([
        panel({"G": [4, 4], "B": [4, 4], "C": [4, 4]}, "all-good"),
        panel({"G": [4, 4], "B": [4, 4]}, "incomplete"),
        panel({"G": [1, 4], "B": [4, 4], "C": [4, 4]}, "gate-failed"),
        panel({"G": [2, 2], "B": [0, 0], "C": [0, 0]}, "low-score"),
    ], ignore_index=True)
    result = score_panel(ratings, criteria)
    expected = pd.Series(
        {"all-good": True, "incomplete": False, "gate-failed": False, "low-score": False}
    )
    assert result["recommended"].to_dict() == expected.to_dict()
    # G: 1, 4 -> mean 2.5; score = 100 * (2.5/4 + 1 + 1) / 3 = 87.5, but the gate fails.
    assert result.loc["gate-failed", "score"] == pytest.approx(87.5)
    assert result.loc["low-score", "score"] == pytest.approx(100 * (2 / 4) / 3)


# --- several assessments --------------------------------------------------------------------


def test_several_assessments_at_once():
    ratings = pd.concat([
        panel({"A": [4, 2], "B": [1, 3]}, "x"),      # 68.75 as above
        panel({"A": [4, 4, 4], "B": [4, 4, 4]}, "y"),  # 100
        panel({"A": [0]}, "z"),                      # B unrated
    ], ignore_index=True)
    result = score_panel(ratings, TWO)
    assert sorted(result.index) == ["x", "y", "z"]
    assert result.loc["x", "score"] == pytest.approx(68.75)
    assert result.loc["y", "score"] == pytest.approx(100.0)
    assert math.isnan(result.loc["z", "score"])
    assert result["n_reviewers"].to_dict() == {"x": 2, "y": 3, "z": 1}
    assert result["complete"].to_dict() == {"x": True, "y": True, "z": False}
    assert result["recommended"].to_dict() == {"x": False, "y": True, "z": False}
    assert result["disagreement"].to_dict() == {"x": True, "y": False, "z": False}


def test_same_reviewer_on_two_assessments_is_not_a_duplicate():
    ratings = ratings_frame([
        ("x", "r1", "A", 4), ("x", "r1", "B", 4),
        ("y", "r1", "A", 0), ("y", "r1", "B", 0),
    ])
    result = score_panel(ratings, TWO)
    assert result["score"].to_dict() == {"x": 100.0, "y": 0.0}


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("column", RATING_COLUMNS)
def test_missing_rating_column(column):
    ratings = panel({"A": [4], "B": [4]}).drop(columns=[column])
    with pytest.raises(ValueError, match=f"ratings is missing columns: {column}"):
        score_panel(ratings, TWO)


@pytest.mark.parametrize("column", CRITERION_COLUMNS)
def test_missing_criterion_column(column):
    with pytest.raises(ValueError, match=f"criteria is missing columns: {column}"):
        score_panel(panel({"A": [4], "B": [4]}), TWO.drop(columns=[column]))


def test_missing_columns_are_all_named():
    ratings = panel({"A": [4]}).drop(columns=["reviewer_id", "level"])
    with pytest.raises(ValueError, match="ratings is missing columns: reviewer_id, level"):
        score_panel(ratings, TWO)


def test_unknown_criterion():
    ratings = ratings_frame([("a1", "r1", "A", 4), ("a1", "r1", "Z", 1)])
    with pytest.raises(ValueError, match=r"unknown criteria: \['Z'\]"):
        score_panel(ratings, TWO)


def test_duplicate_rating():
    ratings = ratings_frame([("a1", "r1", "A", 4), ("a1", "r1", "A", 3), ("a1", "r1", "B", 1)])
    with pytest.raises(ValueError, match="rated the same criterion of an assessment twice"):
        score_panel(ratings, TWO)


def test_duplicate_criterion_in_criteria():
    criteria = criteria_frame([("A", 1, 4, None), ("A", 2, 4, None)])
    with pytest.raises(ValueError, match="criterion_id twice"):
        score_panel(panel({"A": [4]}), criteria)


@pytest.mark.parametrize("level", [5, 100, -1, -4])
def test_level_out_of_range(level):
    with pytest.raises(ValueError, match="outside 0..max_level"):
        score_panel(panel({"A": [level], "B": [2]}), TWO)


def test_level_above_its_own_criterions_max():
    # 3 is fine for A (0..4) but not for B (0..2).
    criteria = criteria_frame([("A", 1, 4, None), ("B", 1, 2, None)])
    with pytest.raises(ValueError, match="outside 0..max_level"):
        score_panel(panel({"A": [3], "B": [3]}), criteria)


def test_missing_level():
    ratings = ratings_frame([("a1", "r1", "A", 4), ("a1", "r1", "B", None)])
    with pytest.raises(ValueError, match="outside 0..max_level"):
        score_panel(ratings, TWO)


@pytest.mark.parametrize("weight", [0, -1, -0.5, float("nan")])
def test_non_positive_weight(weight):
    criteria = criteria_frame([("A", 3, 4, None), ("B", weight, 4, None)])
    with pytest.raises(ValueError, match="weight must be greater than 0"):
        score_panel(panel({"A": [4], "B": [4]}), criteria)


def test_max_level_below_one():
    criteria = criteria_frame([("A", 3, 4, None), ("B", 1, 0, None)])
    with pytest.raises(ValueError, match="max_level must be at least 1"):
        score_panel(panel({"A": [4], "B": [0]}), criteria)


# --- properties (seeded random cases) -------------------------------------------------------


def random_case(seed: int, *, complete: bool = False, integer_weights: bool = True):
    """A random rubric and panel ratings for a few assessments."""
    rng = np.random.default_rng(seed)
    n_criteria = int(rng.integers(1, 9))
    codes = [f"C{i}" for i in range(n_criteria)]
    max_levels = rng.integers(1, 6, n_criteria)
    if integer_weights:
        weights = rng.integers(1, 20, n_criteria).astype(float)
    else:
        weights = rng.uniform(0.05, 20.0, n_criteria)
    gates = [
        int(rng.integers(0, m + 1)) if rng.random() < 0.3 else None for m in max_levels
    ]
    criteria = criteria_frame(zip(codes, weights, max_levels, gates, strict=True))
    rows = []
    for assessment in range(int(rng.integers(1, 6))):
        for reviewer in range(int(rng.integers(1, 5))):
            for code, maximum in zip(codes, max_levels, strict=True):
                if complete or rng.random() < 0.85:
                    rows.append((f"app{assessment}", reviewer, code,
                                 int(rng.integers(0, maximum + 1))))
    if not rows:
        rows.append(("app0", 0, codes[0], 0))
    return rng, ratings_frame(rows), criteria


@pytest.mark.parametrize("seed", SEEDS)
def test_scaling_weights_leaves_score_unchanged(seed):
    rng, ratings, criteria = random_case(seed, integer_weights=bool(seed % 2))
    factor = float(rng.choice([1e-3, 0.37, 2.0, 3.0, 1000.0, rng.uniform(0.01, 100)]))
    scaled = criteria.assign(weight=criteria["weight"] * factor)
    before = score_panel(ratings, criteria).sort_index()
    after = score_panel(ratings, scaled).sort_index()
    assert_frame_equal(before.drop(columns="score"), after.drop(columns="score"))
    np.testing.assert_allclose(after["score"], before["score"], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_score_lies_between_0_and_100(seed):
    _, ratings, criteria = random_case(seed, complete=True)
    scores = score_panel(ratings, criteria)["score"]
    assert scores.notna().all()
    assert ((scores >= 0) & (scores <= 100)).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_score_lies_between_0_and_100_with_fractional_weights(seed):
    # Within rounding: see test_all_max_levels_give_exactly_100_with_fractional_weights.
    _, ratings, criteria = random_case(seed, complete=True, integer_weights=False)
    scores = score_panel(ratings, criteria)["score"]
    assert ((scores >= -1e-9) & (scores <= 100 + 1e-9)).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_incomplete_assessments_have_nan_score(seed):
    _, ratings, criteria = random_case(seed)
    result = score_panel(ratings, criteria)
    rated = ratings.groupby("assessment_id")["criterion_id"].nunique()
    expected_complete = (rated == len(criteria)).reindex(result.index)
    assert result["complete"].to_dict() == expected_complete.to_dict()
    assert result["score"].isna().to_dict() == (~expected_complete).to_dict()
    assert not (result["recommended"] & ~result["complete"]).any()


@pytest.mark.parametrize("seed", SEEDS)
def test_shuffling_ratings_leaves_result_unchanged(seed):
    rng, ratings, criteria = random_case(seed)
    shuffled = ratings.sample(frac=1.0, random_state=rng).reset_index(drop=True)
    assert_frame_equal(
        score_panel(shuffled, criteria).sort_index(), score_panel(ratings, criteria).sort_index()
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_shuffling_criteria_leaves_result_unchanged(seed):
    rng, ratings, criteria = random_case(seed)
    shuffled = criteria.sample(frac=1.0, random_state=rng).reset_index(drop=True)
    expected = score_panel(ratings, criteria).sort_index()
    actual = score_panel(ratings, shuffled).sort_index()
    assert_frame_equal(actual.drop(columns="score"), expected.drop(columns="score"))
    np.testing.assert_allclose(actual["score"], expected["score"], rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_all_max_levels_give_100_and_all_zero_give_0(seed):
    _, ratings, criteria = random_case(seed, complete=True)
    maxima = ratings["criterion_id"].map(criteria.set_index("criterion_id")["max_level"])
    top = score_panel(ratings.assign(level=maxima), criteria)
    bottom = score_panel(ratings.assign(level=0), criteria)
    assert (top["score"] == 100.0).all()
    assert (bottom["score"] == 0.0).all()
    assert not top["disagreement"].any()
    assert top["gates_passed"].all()
    assert top["recommended"].all()
    assert not bottom["recommended"].any()
    assert (top["below_floor"] == ()).all()
    assert (bottom["below_floor"].map(len) == len(criteria)).all()
    # At level 0 only the gates at 0 pass.
    gated_above_zero = (criteria["min_pass_level"].fillna(0) > 0).any()
    assert bool(bottom["gates_passed"].all()) is not bool(gated_above_zero)


@pytest.mark.parametrize("seed", SEEDS)
def test_all_max_levels_with_fractional_weights_give_about_100(seed):
    _, ratings, criteria = random_case(seed, complete=True, integer_weights=False)
    maxima = ratings["criterion_id"].map(criteria.set_index("criterion_id")["max_level"])
    top = score_panel(ratings.assign(level=maxima), criteria)
    np.testing.assert_allclose(top["score"], 100.0, rtol=1e-12)


@pytest.mark.parametrize("weights", [(0.1, 0.2, 0.3), (0.7, 0.2, 0.1)])
def test_all_max_levels_give_exactly_100_with_fractional_weights(weights):
    criteria = criteria_frame((f"C{i}", w, 4, None) for i, w in enumerate(weights))
    ratings = ratings_frame(("a1", "r1", f"C{i}", 4) for i in range(len(weights)))
    result = score_panel(ratings, criteria, pass_threshold=100.0).loc["a1"]
    assert result["score"] == 100.0
    assert bool(result["recommended"]) is True
