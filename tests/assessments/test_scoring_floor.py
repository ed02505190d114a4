"""The floor of the decision rule in the scoring engine (score_panel's ``below_floor``):
every criterion's panel score at least the floor (domain_anchors §3.4 rule 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessments.scoring import (
    DEFAULT_FLOOR,
    ENGINE_VERSION,
    floor_for,
    score_panel,
)
from tests.support import TWO, criteria_frame, panel, ratings_frame

SEEDS = range(25)







def random_case(seed: int):
    """A random rubric (some gates) and panel ratings for a few assessments."""
    rng = np.random.default_rng(seed)
    n_criteria = int(rng.integers(1, 9))
    codes = [f"C{i}" for i in range(n_criteria)]
    max_levels = rng.integers(1, 6, n_criteria)
    weights = rng.integers(1, 20, n_criteria).astype(float)
    gates = [int(rng.integers(0, m + 1)) if rng.random() < 0.3 else None for m in max_levels]
    criteria = criteria_frame(zip(codes, weights, max_levels, gates, strict=True))
    rows = [(f"app{a}", r, code, int(rng.integers(0, maximum + 1)))
            for a in range(int(rng.integers(1, 6))) for r in range(int(rng.integers(1, 5)))
            for code, maximum in zip(codes, max_levels, strict=True) if rng.random() < 0.85]
    return rng, ratings_frame(rows or [("app0", 0, codes[0], 0)]), criteria


def test_two_criteria_at_zero_are_refused_despite_a_high_score():
    # Eight equal criteria; C1 and C2 at 0, the rest at 4:
    # score = 100 * 6 / 8 = 75 >= 70, yet two criteria lie below level 2.
    criteria = criteria_frame((f"C{i}", 1, 4, None) for i in range(1, 9))
    levels = {f"C{i}": [0, 0] if i <= 2 else [4, 4] for i in range(1, 9)}
    result = score_panel(panel(levels), criteria).loc["a1"]
    assert result["score"] == 75.0
    assert result["below_floor"] == ("C1", "C2")
    assert bool(result["recommended"]) is False


def test_floor_uses_the_panel_mean():
    # A: 1 and 3 -> mean 2, at the floor: score = 100 * (3 * 2/4 + 1 * 4/4) / 4 = 62.5.
    at_floor = score_panel(panel({"A": [1, 3], "B": [4, 4]}), TWO, pass_threshold=60).loc["a1"]
    assert at_floor["below_floor"] == ()
    assert bool(at_floor["recommended"]) is True
    # B: 1 and 2 -> mean 1.5, below it: score = 100 * (3 + 1 * 1.5/4) / 4 = 84.375, refused.
    below = score_panel(panel({"A": [4, 4], "B": [1, 2]}), TWO, pass_threshold=60).loc["a1"]
    assert below["score"] == pytest.approx(84.375)
    assert below["below_floor"] == ("B",)
    assert bool(below["recommended"]) is False


def test_floor_is_configurable_and_capped_at_the_max_level():
    criteria = criteria_frame([("A", 1, 4, None), ("Y", 1, 1, None)])  # Y: a yes/no criterion
    ratings = panel({"A": [3, 3], "Y": [1, 1]})
    assert score_panel(ratings, criteria, floor=3).loc["a1", "below_floor"] == ()
    assert score_panel(ratings, criteria, floor=4).loc["a1", "below_floor"] == ("A",)
    assert score_panel(ratings, criteria, floor=None).loc["a1", "below_floor"] == ()


def test_engine_1_0_had_no_floor():
    assert floor_for("1.0", DEFAULT_FLOOR) is None
    assert floor_for(ENGINE_VERSION, 3) == 3


@pytest.mark.parametrize("seed", SEEDS)
def test_below_floor_matches_the_panel_means(seed):
    _, ratings, criteria = random_case(seed)
    floor = int(seed % 4)
    result = score_panel(ratings, criteria, floor=floor)
    maxima = criteria.set_index("criterion_id")["max_level"]
    means = ratings.groupby(["assessment_id", "criterion_id"])["level"].mean()
    capped = means.index.get_level_values("criterion_id").map(maxima.clip(upper=floor))
    low = means[means.to_numpy() < capped.to_numpy()]
    expected = {a: tuple(sorted(low.xs(a).index)) if a in low.index.get_level_values(0) else ()
                for a in result.index}
    assert result["below_floor"].to_dict() == expected
    unfloored = score_panel(ratings, criteria, floor=None)
    assert (unfloored["below_floor"] == ()).all()
    # The floor only ever takes a recommendation away, exactly where something is below it.
    assert (result["recommended"]
            == (unfloored["recommended"] & (result["below_floor"] == ()))).all()


def test_below_floor_with_more_criteria_than_a_bit_mask_holds():
    criteria = criteria_frame((f"C{i:02d}", 1, 4, None) for i in range(70))
    levels = {f"C{i:02d}": [1 if i in (3, 65) else 4] for i in range(70)}
    ratings = pd.concat([panel(levels, "low"),
                         panel({code: [4] for code in levels}, "high")], ignore_index=True)
    result = score_panel(ratings, criteria)
    assert result.loc["low", "below_floor"] == ("C03", "C65")
    assert result.loc["high", "below_floor"] == ()
    assert result["recommended"].to_dict() == {"high": True, "low": False}
