"""Benchmark of the scoring engine (run: .venv/bin/python benchmarks/scoring.py [ASSESSMENTS]).

Generates ASSESSMENTS (default 100,000) × 12 criteria × 3 reviewers = 3.6 M ratings and prints,
in one run, the time of ``score_panel``, of a per-assessment Python loop doing the same
arithmetic, and of a bare NumPy reference, their ratios, and peak memory; then the time of
``alpha_intervals`` (α's bootstrap interval, 500 resamples) on 100 and 1,000 applications.
Targets (the scoring issue): score_panel within 3× of NumPy, at least 30× faster than the
loop, under 1 GiB peak.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from assessments.reliability import alpha_intervals
from assessments.scoring import score_panel

CRITERIA, REVIEWERS, MAX_LEVEL = 12, 3, 4


def generate(assessments: int, seed: int = 2026) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = assessments * CRITERIA * REVIEWERS
    assessment = np.repeat(np.arange(assessments), CRITERIA * REVIEWERS)
    reviewer = (assessment * 7 + np.tile(np.repeat(np.arange(REVIEWERS), CRITERIA),
                                         assessments)) % 500
    criterion = np.tile(np.arange(CRITERIA), assessments * REVIEWERS)
    level = rng.integers(0, MAX_LEVEL + 1, size=n)
    ratings = pd.DataFrame({"assessment_id": assessment, "reviewer_id": reviewer,
                            "criterion_id": criterion, "level": level})
    criteria = pd.DataFrame({
        "criterion_id": np.arange(CRITERIA),
        "weight": rng.integers(4, 13, size=CRITERIA).astype(float),
        "max_level": MAX_LEVEL,
        "min_pass_level": [2, None, 2, None, None, None, 2, None, None, None, None, None],
    })
    return ratings, criteria


def numpy_reference(ratings: pd.DataFrame, criteria: pd.DataFrame) -> np.ndarray:
    """The same six figures in bare NumPy, given ids that are already dense codes (0..n-1)
    and input known to be valid: the arithmetic without validation or id mapping."""
    a = ratings["assessment_id"].to_numpy()
    r = ratings["reviewer_id"].to_numpy()
    c = ratings["criterion_id"].to_numpy()
    level = ratings["level"].to_numpy(dtype=float)
    count, width = a.max() + 1, CRITERIA
    cell = a * width + c
    rated = np.bincount(cell, minlength=count * width).reshape(count, width)
    total = np.bincount(cell, weights=level, minlength=count * width).reshape(count, width)
    lowest = np.full(count * width, np.inf)
    np.minimum.at(lowest, cell, level)
    highest = np.full(count * width, -np.inf)
    np.maximum.at(highest, cell, level)
    lowest, highest = lowest.reshape(count, width), highest.reshape(count, width)
    weights = criteria["weight"].to_numpy()
    gates = criteria["min_pass_level"].to_numpy(dtype=float, na_value=np.nan)
    gated = ~np.isnan(gates)
    complete = (rated > 0).all(axis=1)
    score = 100.0 * ((total / rated / MAX_LEVEL) @ weights) / weights.sum()
    gates_passed = ((rated[:, gated] > 0) & (lowest[:, gated] >= gates[gated])).all(axis=1)
    disagreement = ((highest - lowest) >= 2).any(axis=1)
    seen = np.zeros(count * (r.max() + 1), dtype=bool)  # a bitmap of (assessment, reviewer)
    seen[a * (r.max() + 1) + r] = True
    reviewers = seen.reshape(count, -1).sum(axis=1)
    recommended = complete & gates_passed & (score >= 70.0)
    del disagreement, reviewers, recommended
    return score


def python_loop(ratings: pd.DataFrame, criteria: pd.DataFrame) -> dict[int, float]:
    """The six figures assessment by assessment in plain Python (rows grouped once)."""
    weights = dict(zip(criteria["criterion_id"], criteria["weight"], strict=True))
    gates = {c: g for c, g in zip(criteria["criterion_id"], criteria["min_pass_level"],
                                  strict=True) if not pd.isna(g)}
    total = sum(weights.values())
    by_assessment: dict[int, list[tuple[int, int, int]]] = {}
    for a, r, c, level in zip(ratings["assessment_id"].tolist(), ratings["reviewer_id"].tolist(),
                              ratings["criterion_id"].tolist(), ratings["level"].tolist(),
                              strict=True):
        by_assessment.setdefault(a, []).append((r, c, level))
    scores = {}
    for a, rows in by_assessment.items():
        cells: dict[int, list[int]] = {}
        for _, c, level in rows:
            cells.setdefault(c, []).append(level)
        complete = len(cells) == len(weights)
        score = 100.0 * sum(weights[c] * (sum(v) / len(v)) / MAX_LEVEL
                            for c, v in cells.items()) / total if complete else float("nan")
        gates_passed = all(c in cells and min(cells[c]) >= g for c, g in gates.items())
        disagreement = any(max(v) - min(v) >= 2 for v in cells.values())
        reviewers = len({r for r, _, _ in rows})
        scores[a] = score
        del gates_passed, disagreement, reviewers
    return scores


def pandas_loop(ratings: pd.DataFrame, criteria: pd.DataFrame) -> dict[int, float]:
    """The naive version: pandas operations inside a loop over assessments."""
    weights = criteria.set_index("criterion_id")["weight"]
    gates = criteria.set_index("criterion_id")["min_pass_level"].dropna()
    scores = {}
    for a, group in ratings.groupby("assessment_id"):
        per = group.groupby("criterion_id")["level"].agg(["mean", "min", "max"])
        scores[a] = 100.0 * (per["mean"] / MAX_LEVEL * weights).sum() / weights.sum()
        bool((per["min"].reindex(gates.index) >= gates).all())
        bool(((per["max"] - per["min"]) >= 2).any())
        group["reviewer_id"].nunique()
    return scores


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def best_of(runs: int, function, *args):
    """The fastest of a few runs: the first pays for page faults and lazy imports."""
    best, result = None, None
    for _ in range(runs):
        result, seconds = timed(function, *args)
        best = seconds if best is None else min(best, seconds)
    return result, best


def main(assessments: int) -> None:
    ratings, criteria = generate(assessments)
    print(f"{assessments:,} assessments × {CRITERIA} criteria × {REVIEWERS} reviewers "
          f"= {len(ratings):,} ratings")
    tracemalloc.start()
    panel, _ = timed(score_panel, ratings, criteria)
    _, engine_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    panel, engine_seconds = best_of(3, score_panel, ratings, criteria)
    reference, numpy_seconds = best_of(3, numpy_reference, ratings, criteria)
    loop, loop_seconds = timed(python_loop, ratings, criteria)
    sample = ratings[ratings["assessment_id"] < 2_000]
    naive, naive_sample_seconds = timed(pandas_loop, sample, criteria)
    naive_seconds = naive_sample_seconds * assessments / 2_000
    assert np.allclose(panel["score"].to_numpy(), reference)
    assert np.allclose(panel["score"].to_numpy(), [loop[a] for a in panel.index])
    assert np.allclose([naive[a] for a in range(2_000)], panel["score"].to_numpy()[:2_000])
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(f"score_panel      {engine_seconds:8.3f} s  (six columns, with validation)")
    print(f"NumPy reference  {numpy_seconds:8.3f} s  (six columns, valid dense codes)")
    print(f"Python loop      {loop_seconds:8.3f} s  (six figures, plain Python per assessment)")
    print(f"pandas loop      {naive_seconds:8.3f} s  (pandas per assessment; 2,000 measured, "
          f"{naive_sample_seconds:.2f} s, scaled)")
    print(f"score_panel / NumPy        = {engine_seconds / numpy_seconds:6.2f}×  (target ≤ 3×)")
    print(f"Python loop / score_panel  = {loop_seconds / engine_seconds:6.1f}×")
    print(f"pandas loop / score_panel  = {naive_seconds / engine_seconds:6.1f}×  (target ≥ 30×)")
    print(f"peak memory: {engine_peak / 2**20:.0f} MiB traced in score_panel, "
          f"{peak_rss:.0f} MiB process peak (target < 1024 MiB)")
    for size in (100, 1_000):  # a competition's analytics page: α with its bootstrap interval
        competition = ratings[ratings["assessment_id"] < size]
        _, alpha_seconds = best_of(3, alpha_intervals, competition, criteria)
        print(f"alpha_intervals  {alpha_seconds:8.3f} s  ({size:,} applications, "
              f"{CRITERIA} criteria + overall, 500 resamples)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
