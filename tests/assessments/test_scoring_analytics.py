"""The scoring engine's companions (panel_table, reviewer_severity, interrater_reliability,
ratings_digest) and hypothesis properties of score_panel: pure pandas, no app needed."""

from __future__ import annotations

import math
import re

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from assessments.reliability import OVERALL, RELIABILITY_COLUMNS, interrater_reliability
from assessments.scoring import (
    PANEL_COLUMNS,
    SEVERITY_COLUMNS,
    _standardised,
    disagreements,
    panel_table,
    ratings_digest,
    reviewer_severity,
    score_panel,
)
from tests.support import TWO, criteria_frame, panel, ratings_frame


def self_frame(rows) -> pd.DataFrame:
    """rows: (assessment_id, criterion_id, level) tuples."""
    return pd.DataFrame(list(rows), columns=["assessment_id", "criterion_id", "level"])



# One criterion on 0..5.
ONE = criteria_frame([("K", 1, 5, None)])


# === panel_table ============================================================================

# a1: A 1, 2, 4 (r1, r2, r3); B 3, 3, 3.   a2: A 0, 2 (r1, r2 only); B 2, 3, 4.
PANEL_RATINGS = pd.concat([
    panel({"A": [1, 2, 4], "B": [3, 3, 3]}, "a1"),
    panel({"A": [0, 2], "B": [2, 3, 4]}, "a2"),
], ignore_index=True)
# a1 A: 3 - 7/3 = +0.67 -> "";  a1 B: 2 - 3 = -1 -> under;  a2 A: 2 - 1 = +1 -> over;
# a2 B: no self level.
PANEL_SELF = self_frame([("a1", "A", 3), ("a1", "B", 2), ("a2", "A", 2)])


def test_panel_table_shape_and_index():
    table = panel_table(PANEL_RATINGS, TWO, PANEL_SELF)
    assert list(table.columns) == list(PANEL_COLUMNS)
    assert list(table.index.names) == ["assessment_id", "criterion_id"]
    assert list(table.index) == [("a1", "A"), ("a1", "B"), ("a2", "A"), ("a2", "B")]


def test_disagreements_are_the_panel_cells_two_levels_apart():
    """a1 A (1–4) and a2 A (0–2), a2 B (2–4); a1 B agrees (3–3)."""
    cells = disagreements(PANEL_RATINGS, TWO)
    assert list(cells.index) == [("a1", "A"), ("a2", "A"), ("a2", "B")]
    assert cells[["min", "max"]].to_numpy().tolist() == [[1, 4], [0, 2], [2, 4]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 4), st.sampled_from([13, 2, 7]),
                          st.integers(0, 4)), min_size=1, max_size=120,
                unique_by=lambda row: row[:3]))
def test_disagreements_equal_the_panel_table_filtered(rows):
    """Whatever the data and the criteria's order (ids 13, 2, 7), the cells are the panel
    table's with a range of two or more, sorted by both ids."""
    criteria = criteria_frame([(13, 1, 4, None), (2, 2, 4, None), (7, 1, 4, None)])
    ratings = ratings_frame(rows)
    table = panel_table(ratings, criteria)
    expected = table.loc[table["range"] >= 2, ["min", "max"]]
    cells = disagreements(ratings, criteria)
    assert list(cells.index) == list(expected.index)
    assert cells.to_numpy().tolist() == expected.to_numpy().tolist()
    assert (score_panel(ratings, criteria)["disagreement"].pipe(lambda flags: set(
        flags.index[flags])) == set(cells.index.get_level_values("assessment_id")))


def test_panel_table_hand_computed_statistics():
    table = panel_table(PANEL_RATINGS, TWO, PANEL_SELF)
    expected = {
        # n, mean, median, population sd, min, max, range
        # a1 A: deviations from 7/3 are -4/3, -1/3, 5/3 -> variance (16+1+25)/9/3 = 14/9.
        ("a1", "A"): (3, 7 / 3, 2.0, math.sqrt(14) / 3, 1, 4, 3),
        ("a1", "B"): (3, 3.0, 3.0, 0.0, 3, 3, 0),
        # a2 A: 0 and 2 -> mean 1, population sd 1 (the sample sd would be sqrt(2)).
        ("a2", "A"): (2, 1.0, 1.0, 1.0, 0, 2, 2),
        # a2 B: 2, 3, 4 -> variance (1 + 0 + 1) / 3 = 2/3.
        ("a2", "B"): (3, 3.0, 3.0, math.sqrt(2 / 3), 2, 4, 2),
    }
    for key, (n, mean, median, sd, low, high, spread) in expected.items():
        row = table.loc[key]
        assert row["n"] == n, key
        assert row["mean"] == pytest.approx(mean), key
        assert row["median"] == pytest.approx(median), key
        assert row["sd"] == pytest.approx(sd), key
        assert row["min"] == low, key
        assert row["max"] == high, key
        assert row["range"] == spread, key


def test_panel_table_self_levels_gap_and_claim():
    table = panel_table(PANEL_RATINGS, TWO, PANEL_SELF)
    assert table.loc[("a1", "A"), "self_level"] == 3.0
    assert table.loc[("a1", "A"), "gap"] == pytest.approx(2 / 3)
    assert table.loc[("a1", "A"), "claim"] == ""  # +0.67 is below one level
    assert table.loc[("a1", "B"), "self_level"] == 2.0
    assert table.loc[("a1", "B"), "gap"] == pytest.approx(-1.0)
    assert table.loc[("a1", "B"), "claim"] == "under"  # exactly -1
    assert table.loc[("a2", "A"), "self_level"] == 2.0
    assert table.loc[("a2", "A"), "gap"] == pytest.approx(1.0)
    assert table.loc[("a2", "A"), "claim"] == "over"  # exactly +1
    assert math.isnan(table.loc[("a2", "B"), "self_level"])
    assert math.isnan(table.loc[("a2", "B"), "gap"])
    assert table.loc[("a2", "B"), "claim"] == ""


@pytest.mark.parametrize(
    ("own", "claim"),
    [(4, "over"), (3, ""), (2, ""), (1, "under")],  # gaps +1.67, +0.67, -0.33, -1.33
)
def test_panel_table_claim_thresholds(own, claim):
    # Mean of 2, 2, 3 is 7/3.
    ratings = panel({"A": [2, 2, 3], "B": [1, 1, 1]})
    table = panel_table(ratings, TWO, self_frame([("a1", "A", own)]))
    assert table.loc[("a1", "A"), "gap"] == pytest.approx(own - 7 / 3)
    assert table.loc[("a1", "A"), "claim"] == claim


def test_panel_table_self_level_for_an_unrated_criterion_is_dropped():
    ratings = panel({"A": [2, 2]})
    table = panel_table(ratings, TWO, self_frame([("a1", "A", 2), ("a1", "B", 4)]))
    assert list(table.index) == [("a1", "A")]
    assert table.loc[("a1", "A"), "claim"] == ""


@pytest.mark.parametrize("self_levels", [None, self_frame([])])
def test_panel_table_without_self_levels(self_levels):
    table = panel_table(PANEL_RATINGS, TWO, self_levels)
    assert table["self_level"].isna().all()
    assert table["gap"].isna().all()
    assert (table["claim"] == "").all()
    assert len(table) == 4


def test_panel_table_single_rating_has_zero_sd_and_range():
    table = panel_table(panel({"A": [3]}), TWO)
    row = table.loc[("a1", "A")]
    assert row["n"] == 1
    assert row["sd"] == 0.0
    assert row["range"] == 0


def test_panel_table_unknown_criterion():
    ratings = ratings_frame([("a1", "r1", "A", 4), ("a1", "r1", "Z", 1)])
    with pytest.raises(ValueError, match=r"unknown criteria: \['Z'\]"):
        panel_table(ratings, TWO)


def test_panel_table_duplicate_rating():
    ratings = ratings_frame([("a1", "r1", "A", 4), ("a1", "r1", "A", 3)])
    with pytest.raises(ValueError, match="rated the same criterion of an assessment twice"):
        panel_table(ratings, TWO)


@pytest.mark.parametrize("level", [5, -1])
def test_panel_table_level_out_of_range(level):
    with pytest.raises(ValueError, match="outside 0..max_level"):
        panel_table(panel({"A": [level, 2]}), TWO)


@pytest.mark.parametrize("column", ["assessment_id", "criterion_id", "level"])
def test_panel_table_self_levels_missing_column(column):
    own = PANEL_SELF.drop(columns=[column])
    with pytest.raises(ValueError, match=f"self_levels is missing columns: {column}"):
        panel_table(PANEL_RATINGS, TWO, own)


# === reviewer_severity ======================================================================

TYPICAL = [f"t{i}" for i in range(8)]


def severity_population() -> pd.DataFrame:
    """Five pairs of assessments rated by the eight typical reviewers at a common base level;
    "harsh" rates one level below them on the first of each pair, "lenient" one level above on
    the second. "newbie" agrees with the typical reviewers on four further assessments.

    Typical reviewers deviate by +1/8 on the harsh panels and -1/8 on the lenient ones (both
    exact), so their mean deviation is exactly 0; harsh's is -1 and lenient's +1. Over the ten
    calibrated reviewers the mean is 0 and the population SD sqrt(2/10), so z = -+sqrt(5).
    """
    rows = []
    for pair, base in enumerate([1, 2, 3, 4, 2]):
        for odd, (name, level) in enumerate([("harsh", base - 1), ("lenient", base + 1)]):
            assessment = f"p{pair}{odd}"
            rows.append((assessment, name, "K", level))
            rows.extend((assessment, reviewer, "K", base) for reviewer in TYPICAL)
    for extra in range(4):
        assessment = f"n{extra}"
        rows.append((assessment, "newbie", "K", 2))
        rows.extend((assessment, reviewer, "K", 2) for reviewer in TYPICAL)
    return ratings_frame(rows)


def test_severity_shape():
    result = reviewer_severity(severity_population(), ONE)
    assert list(result.columns) == list(SEVERITY_COLUMNS)
    assert result.index.name == "reviewer_id"
    assert sorted(result.index) == sorted(["harsh", "lenient", "newbie", *TYPICAL])


def test_harsh_reviewer_is_severe_and_lenient_reviewer_lenient():
    result = reviewer_severity(severity_population(), ONE)
    harsh, lenient = result.loc["harsh"], result.loc["lenient"]
    assert harsh["n_reviews"] == 5 and harsh["n_compared"] == 5
    assert harsh["mean_deviation"] == pytest.approx(-1.0)
    assert harsh["z"] == pytest.approx(-math.sqrt(5))
    assert harsh["z"] < -2
    assert harsh["status"] == "severe"
    assert lenient["n_reviews"] == 5
    assert lenient["mean_deviation"] == pytest.approx(1.0)
    assert lenient["z"] == pytest.approx(math.sqrt(5))
    assert lenient["z"] > 2
    assert lenient["status"] == "lenient"
    for reviewer in TYPICAL:
        row = result.loc[reviewer]
        assert row["n_reviews"] == 14
        assert row["mean_deviation"] == pytest.approx(0.0, abs=1e-12)
        assert row["z"] == pytest.approx(0.0, abs=1e-9)
        assert row["status"] == "typical"


def test_reviewer_with_four_reviews_is_uncalibrated():
    result = reviewer_severity(severity_population(), ONE)
    newbie = result.loc["newbie"]
    assert newbie["n_reviews"] == 4
    assert newbie["n_compared"] == 4
    assert newbie["mean_deviation"] == 0.0
    assert math.isnan(newbie["z"])
    assert newbie["status"] == "uncalibrated"


def test_min_reviews_and_z_limit_are_parameters():
    ratings = severity_population()
    loose = reviewer_severity(ratings, ONE, min_reviews=4)
    assert loose.loc["newbie", "status"] == "typical"
    strict = reviewer_severity(ratings, ONE, min_reviews=6)
    assert strict.loc["harsh", "status"] == "uncalibrated"
    assert math.isnan(strict.loc["harsh", "z"])
    wide = reviewer_severity(ratings, ONE, z_limit=3.0)
    assert wide.loc["harsh", "status"] == "typical"
    assert wide.loc["lenient", "status"] == "typical"


def test_leave_one_out_deviation_hand_computed():
    # r1: 1 - (2+3)/2 = -1.5;  r2: 2 - (1+3)/2 = 0;  r3: 3 - (1+2)/2 = +1.5.
    result = reviewer_severity(panel({"A": [1, 2, 3]}), TWO)
    assert result["mean_deviation"].to_dict() == {"r1": -1.5, "r2": 0.0, "r3": 1.5}
    assert result["n_compared"].to_dict() == {"r1": 1, "r2": 1, "r3": 1}
    assert result["n_reviews"].to_dict() == {"r1": 1, "r2": 1, "r3": 1}
    assert (result["status"] == "uncalibrated").all()
    assert result["z"].isna().all()


def test_rating_alone_on_its_cell_is_not_compared():
    # r1 and r2 both rate A (levels 4 and 2); only r1 rates B.
    ratings = ratings_frame([
        ("a1", "r1", "A", 4), ("a1", "r2", "A", 2), ("a1", "r1", "B", 0),
    ])
    result = reviewer_severity(ratings, TWO)
    assert result.loc["r1", "n_compared"] == 1
    assert result.loc["r1", "mean_deviation"] == 2.0  # the lone B rating adds nothing
    assert result.loc["r2", "n_compared"] == 1
    assert result.loc["r2", "mean_deviation"] == -2.0


def test_reviewer_only_ever_alone_has_nan_deviation():
    ratings = ratings_frame([("a1", "r1", "A", 4), ("a1", "r2", "B", 0)])
    result = reviewer_severity(ratings, TWO)
    assert result["n_compared"].to_dict() == {"r1": 0, "r2": 0}
    assert result["mean_deviation"].isna().all()


def test_n_reviews_counts_distinct_assessments():
    # r1 rates two criteria on each of three assessments: 3 reviews, 6 comparisons.
    ratings = pd.concat(
        [panel({"A": [4, 3], "B": [1, 2]}, a) for a in ("x", "y", "z")], ignore_index=True
    )
    result = reviewer_severity(ratings, TWO)
    assert result.loc["r1", "n_reviews"] == 3
    assert result.loc["r1", "n_compared"] == 6
    assert result.loc["r1", "mean_deviation"] == pytest.approx(0.0)  # (+1, -1) x 3


def test_identical_calibrated_reviewers_have_z_zero():
    # Three reviewers who always agree on five assessments: every deviation is 0.
    ratings = pd.concat(
        [panel({"A": [lvl] * 3, "B": [4 - lvl] * 3}, f"a{lvl}") for lvl in range(5)],
        ignore_index=True,
    )
    result = reviewer_severity(ratings, TWO)  # filterwarnings=error: no division warnings
    assert (result["n_reviews"] == 5).all()
    assert (result["mean_deviation"] == 0.0).all()
    assert (result["z"] == 0.0).all()
    assert (result["status"] == "typical").all()


def test_single_calibrated_reviewer_has_z_zero():
    ratings = pd.concat(
        [panel({"A": [4, 2]}, f"a{i}") for i in range(5)]
        + [ratings_frame([(f"a{i}", f"other{i}", "A", 3)]) for i in range(5)],
        ignore_index=True,
    )
    result = reviewer_severity(ratings, TWO, min_reviews=5)
    calibrated = result[result["status"] != "uncalibrated"]
    assert list(calibrated.index) == ["r1", "r2"]
    # Two calibrated reviewers: r1 +1.5 each time, r2 -1.5 -> z = +1 and -1.
    assert calibrated["z"].to_dict() == pytest.approx({"r1": 1.0, "r2": -1.0})


def identical_nonzero_population() -> pd.DataFrame:
    """Three calibrated reviewers with the same non-zero mean deviation: each rates 1 on five
    assessments where three one-off reviewers rate 1, 1, 0 (others' mean 2/3, deviation 1/3)."""
    rows = []
    for i in range(3):
        for k in range(5):
            assessment = f"a{i}{k}"
            rows.append((assessment, f"c{i}", "K", 1))
            rows.extend(
                (assessment, f"u{assessment}-{j}", "K", level)
                for j, level in enumerate([1, 1, 0])
            )
    return ratings_frame(rows)


def test_identical_nonzero_deviations_give_z_zero():
    ratings = identical_nonzero_population()
    result = reviewer_severity(ratings, ONE, z_limit=0.5)
    calibrated = result[result["n_reviews"] >= 5]
    assert sorted(calibrated.index) == ["c0", "c1", "c2"]
    assert calibrated["mean_deviation"].nunique() == 1  # truly identical floats
    assert calibrated["mean_deviation"].iloc[0] == pytest.approx(1 / 3)
    assert (calibrated["z"] == 0.0).all()
    assert (calibrated["status"] == "typical").all()


def test_severity_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown criteria"):
        reviewer_severity(ratings_frame([("a1", "r1", "Z", 1)]), TWO)
    with pytest.raises(ValueError, match="outside 0..max_level"):
        reviewer_severity(panel({"A": [9]}), TWO)


# === interrater_reliability =================================================================

_ = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1..5, missing data. Published ordinal alpha = 0.815.
KRIPPENDORFF_EXAMPLE = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    "C": [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
}


def krippendorff_ratings(criterion="K") -> pd.DataFrame:
    return ratings_frame(
        (f"u{unit:02d}", observer, criterion, level)
        for observer, values in KRIPPENDORFF_EXAMPLE.items()
        for unit, level in enumerate(values, start=1)
        if level is not None
    )


def test_reliability_shape():
    result = interrater_reliability(krippendorff_ratings(), ONE)
    assert list(result.columns) == list(RELIABILITY_COLUMNS)
    assert result.index.name == "criterion_id"
    assert list(result.index) == ["K", OVERALL]


def test_krippendorff_published_ordinal_example():
    ratings = krippendorff_ratings()
    assert len(ratings) == 41
    result = interrater_reliability(ratings, ONE)
    assert round(result.loc["K", "alpha"], 3) == 0.815
    assert result.loc["K", "n_units"] == 11  # unit 12 has a single value
    assert result.loc["K", "n_ratings"] == 41
    assert round(result.loc[OVERALL, "alpha"], 3) == 0.815
    assert result.loc[OVERALL, "n_ratings"] == len(ratings)


@pytest.mark.parametrize("max_level", [5, 6, 9])
def test_unused_values_in_the_domain_do_not_change_ordinal_alpha(max_level):
    # The module's value domain is 0..max_level, the example's 1..5: values never used
    # (0, and 6.. for wider scales) carry no frequency, so ordinal alpha is unchanged.
    data = np.array(list(KRIPPENDORFF_EXAMPLE.values()), dtype=float)
    reference = krippendorff.alpha(
        reliability_data=data, level_of_measurement="ordinal", value_domain=np.arange(1, 6)
    )
    criteria = criteria_frame([("K", 1, max_level, None)])
    result = interrater_reliability(krippendorff_ratings(), criteria)
    assert result.loc["K", "alpha"] == pytest.approx(reference, abs=1e-12)
    assert result.loc["K", "alpha"] == pytest.approx(0.8154, abs=5e-5)


def test_reliability_is_ordinal_not_interval():
    # The same data give interval alpha 0.849 in Krippendorff (2011).
    alpha = interrater_reliability(krippendorff_ratings(), ONE).loc["K", "alpha"]
    assert round(alpha, 3) != 0.849


def test_perfect_agreement_gives_alpha_one():
    ratings = pd.concat([
        panel({"A": [0, 0, 0]}, "x"), panel({"A": [2, 2, 2]}, "y"),
        panel({"A": [4, 4]}, "z"),
    ], ignore_index=True)
    result = interrater_reliability(ratings, TWO)
    assert result.loc["A", "alpha"] == 1.0
    assert result.loc["A", "n_units"] == 3
    assert result.loc["A", "n_ratings"] == 8
    assert result.loc[OVERALL, "alpha"] == 1.0


def test_criterion_with_only_single_ratings_is_nan():
    # A: two reviewers on each unit; B: one reviewer per unit.
    ratings = pd.concat([
        panel({"A": [1, 2]}, "x"), panel({"A": [3, 3]}, "y"),
        ratings_frame([("x", "r1", "B", 1), ("y", "r2", "B", 3), ("z", "r3", "B", 4)]),
    ], ignore_index=True)
    result = interrater_reliability(ratings, TWO)
    assert math.isnan(result.loc["B", "alpha"])
    assert result.loc["B", "n_units"] == 0
    assert result.loc["B", "n_ratings"] == 3
    assert not math.isnan(result.loc["A", "alpha"])
    assert result.loc["A", "n_units"] == 2
    assert result.loc[OVERALL, "n_units"] == 2  # (x, A) and (y, A)
    assert result.loc[OVERALL, "n_ratings"] == len(ratings) == 7


def test_alpha_undefined_with_a_single_value():
    ratings = pd.concat([panel({"A": [2, 2]}, "x"), panel({"A": [2, 2]}, "y")],
                        ignore_index=True)
    result = interrater_reliability(ratings, TWO)
    assert math.isnan(result.loc["A", "alpha"])
    assert result.loc["A", "n_units"] == 2


def test_overall_row_is_last_and_counts_all_ratings():
    ratings = pd.concat([
        panel({"A": [4, 3, 4], "B": [1, 2, 1]}, "x"),
        panel({"A": [0, 1], "B": [4, 4]}, "y"),
    ], ignore_index=True)
    result = interrater_reliability(ratings, TWO)
    assert list(result.index) == ["A", "B", OVERALL]
    assert result.loc[OVERALL, "n_ratings"] == len(ratings) == 10
    assert result.loc[OVERALL, "n_units"] == 4
    assert result.loc["A", "n_ratings"] + result.loc["B", "n_ratings"] == len(ratings)


# === ratings_digest =========================================================================

DIGEST_RATINGS = ratings_frame([
    (10, 1, 100, 3), (10, 2, 100, 2), (10, 1, 101, 4), (11, 2, 100, 0), (11, 3, 101, 1),
])


def test_digest_is_sha256_hex():
    digest = ratings_digest(DIGEST_RATINGS)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert ratings_digest(DIGEST_RATINGS.copy()) == digest


def test_digest_ignores_row_order_and_index():
    shuffled = DIGEST_RATINGS.sample(frac=1.0, random_state=7)
    assert ratings_digest(shuffled) == ratings_digest(DIGEST_RATINGS)
    assert ratings_digest(shuffled.reset_index(drop=True)) == ratings_digest(DIGEST_RATINGS)
    reversed_rows = DIGEST_RATINGS.iloc[::-1]
    assert ratings_digest(reversed_rows) == ratings_digest(DIGEST_RATINGS)


def test_digest_ignores_extra_columns_and_column_order():
    extra = DIGEST_RATINGS.assign(comment="x", weight=1.5)
    reordered = DIGEST_RATINGS.loc[:, ["level", "criterion_id", "reviewer_id", "assessment_id"]]
    assert ratings_digest(extra) == ratings_digest(DIGEST_RATINGS)
    assert ratings_digest(reordered) == ratings_digest(DIGEST_RATINGS)


def test_digest_changes_when_one_level_changes():
    changed = DIGEST_RATINGS.copy()
    changed.loc[2, "level"] = 3
    assert ratings_digest(changed) != ratings_digest(DIGEST_RATINGS)


def test_digest_changes_when_an_identifier_changes():
    changed = DIGEST_RATINGS.copy()
    changed.loc[0, "reviewer_id"] = 9
    assert ratings_digest(changed) != ratings_digest(DIGEST_RATINGS)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float64"])
def test_digest_same_for_integral_levels_of_any_dtype(dtype):
    converted = DIGEST_RATINGS.astype({"level": dtype})
    assert ratings_digest(converted) == ratings_digest(DIGEST_RATINGS)


def test_digest_same_for_python_int_columns():
    as_objects = DIGEST_RATINGS.astype(object)
    assert ratings_digest(as_objects) == ratings_digest(DIGEST_RATINGS)


def test_digest_requires_rating_columns():
    with pytest.raises(ValueError, match="ratings is missing columns: level"):
        ratings_digest(DIGEST_RATINGS.drop(columns=["level"]))


# === hypothesis properties of score_panel ===================================================

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@st.composite
def rubrics(draw):
    n_criteria = draw(st.integers(1, 4))
    max_levels = draw(st.lists(st.integers(1, 5), min_size=n_criteria, max_size=n_criteria))
    weights = draw(st.lists(
        st.one_of(st.integers(1, 20).map(float),
                  st.floats(0.01, 50.0, allow_nan=False, allow_infinity=False)),
        min_size=n_criteria, max_size=n_criteria,
    ))
    gates = [draw(st.one_of(st.none(), st.integers(0, m))) for m in max_levels]
    codes = [f"C{i}" for i in range(n_criteria)]
    return criteria_frame(zip(codes, weights, max_levels, gates, strict=True))


@st.composite
def cases(draw, *, agreeing: bool = False):
    """A rubric and complete ratings: 1-6 assessments, 1-4 reviewers each rating every
    criterion; with ``agreeing`` every reviewer gives the same level on a criterion."""
    criteria = draw(rubrics())
    rows = []
    for assessment in range(draw(st.integers(1, 6))):
        n_reviewers = draw(st.integers(1, 4))
        for code, maximum in zip(criteria["criterion_id"], criteria["max_level"], strict=True):
            if agreeing:
                levels = [draw(st.integers(0, int(maximum)))] * n_reviewers
            else:
                levels = draw(st.lists(st.integers(0, int(maximum)),
                                       min_size=n_reviewers, max_size=n_reviewers))
            rows.extend((f"app{assessment}", f"r{r}", code, level)
                        for r, level in enumerate(levels))
    return ratings_frame(rows), criteria


@PROPERTY_SETTINGS
@given(cases())
def test_property_complete_scores_lie_between_0_and_100(case):
    ratings, criteria = case
    result = score_panel(ratings, criteria)
    assert result["complete"].all()
    assert result["score"].notna().all()
    assert ((result["score"] >= 0.0) & (result["score"] <= 100.0)).all()


@PROPERTY_SETTINGS
@given(cases(), st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False))
def test_property_scaling_weights_leaves_score_unchanged(case, factor):
    ratings, criteria = case
    scaled = criteria.assign(weight=criteria["weight"] * factor)
    before = score_panel(ratings, criteria).sort_index()
    after = score_panel(ratings, scaled).sort_index()
    np.testing.assert_allclose(after["score"], before["score"], rtol=1e-12, atol=1e-9)
    assert_frame_equal(after.drop(columns="score"), before.drop(columns="score"))


@PROPERTY_SETTINGS
@given(st.data())
def test_property_permuting_rows_leaves_result_unchanged(data):
    ratings, criteria = data.draw(cases())
    order = data.draw(st.permutations(range(len(ratings))))
    permuted = ratings.iloc[list(order)].reset_index(drop=True)
    assert_frame_equal(
        score_panel(permuted, criteria).sort_index(), score_panel(ratings, criteria).sort_index()
    )


def _with_mean_reviewer(ratings: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Add reviewer "mean" rating every (assessment, criterion) whose panel mean is an integer
    at exactly that mean; returns the new ratings and the assessments it joined."""
    means = ratings.groupby(["assessment_id", "criterion_id"])["level"].mean()
    integral = means[means == means.round()]
    extra = ratings_frame(
        (assessment, "mean", criterion, int(level))
        for (assessment, criterion), level in integral.items()
    )
    joined = set(extra["assessment_id"])
    return pd.concat([ratings, extra], ignore_index=True), joined


def _assert_same_apart_from_reviewer_count(before, after, joined):
    before, after = before.sort_index(), after.sort_index()
    assert_frame_equal(after.drop(columns="n_reviewers"), before.drop(columns="n_reviewers"))
    expected = before["n_reviewers"] + before.index.isin(sorted(joined)).astype(int)
    assert after["n_reviewers"].to_dict() == expected.to_dict()


@PROPERTY_SETTINGS
@given(cases())
def test_property_reviewer_at_the_integral_panel_mean_changes_nothing(case):
    ratings, criteria = case
    extended, joined = _with_mean_reviewer(ratings)
    _assert_same_apart_from_reviewer_count(
        score_panel(ratings, criteria), score_panel(extended, criteria), joined
    )


@PROPERTY_SETTINGS
@given(cases(agreeing=True))
def test_property_agreeing_reviewer_joining_an_agreeing_panel_changes_nothing(case):
    ratings, criteria = case
    extended, joined = _with_mean_reviewer(ratings)
    # The panel agrees, so every mean is integral and "mean" rates every criterion.
    cells = ratings[["assessment_id", "criterion_id"]].drop_duplicates()
    assert len(extended) - len(ratings) == len(cells)
    assert joined == set(ratings["assessment_id"])
    _assert_same_apart_from_reviewer_count(
        score_panel(ratings, criteria), score_panel(extended, criteria), joined
    )


def test_digest_refuses_fractional_levels():
    frame = pd.DataFrame({"assessment_id": [1], "reviewer_id": [1], "criterion_id": [1],
                          "level": [2.5]})
    with pytest.raises(ValueError, match="whole numbers"):
        ratings_digest(frame)


def _severity_by_group_bys(ratings: pd.DataFrame, min_reviews: int, z_limit: float):
    """reviewer_severity's counts as pandas group-bys wrote them (engine 1.1 to 29 November),
    standardised by the engine's own step: the reference the counted one must equal."""
    groups = ratings.groupby(["assessment_id", "criterion_id"])["level"]
    total, count = groups.transform("sum"), groups.transform("count")
    others = (total - ratings["level"]) / (count - 1).where(count > 1)
    frame = ratings.assign(deviation=ratings["level"] - others)
    per_reviewer = frame.groupby("reviewer_id").agg(
        n_reviews=("assessment_id", "nunique"), n_compared=("deviation", "count"),
        mean_deviation=("deviation", "mean"))
    return _standardised(per_reviewer, min_reviews=min_reviews, z_limit=z_limit)


@PROPERTY_SETTINGS
@given(cases(), st.integers(1, 4), st.sampled_from([0.5, 1.0, 2.0]), st.randoms())
def test_property_severity_equals_the_group_by_reference(case, min_reviews, z_limit, random):
    ratings, criteria = case
    ratings = ratings.sample(frac=1, random_state=random.randint(0, 2**31))  # any row order
    counted = reviewer_severity(ratings, criteria, min_reviews=min_reviews, z_limit=z_limit)
    reference = _severity_by_group_bys(ratings, min_reviews, z_limit)
    assert list(counted.index) == list(reference.index)
    for column in ("n_reviews", "n_compared"):
        assert counted[column].tolist() == reference[column].tolist()
    for column in ("mean_deviation", "z"):
        np.testing.assert_allclose(counted[column], reference[column], rtol=1e-9, atol=1e-9)
