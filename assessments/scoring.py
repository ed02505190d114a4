"""The scoring engine: pure pandas and numpy, no Flask, no ORM.

``score_panel`` turns the reviewers' levels into one row per assessment:

    score = 100 × Σ_c w_c · (mean level of c ÷ max_level_c) ÷ Σ_c w_c

Must-pass criteria (``min_pass_level``) are conjunctive: *every* reviewer must rate them at
least that level — an average cannot rescue a failing gate (domain_anchors §3.4 rule 6,
after Keele's "all points satisfactory" and UK-SPEC's "competence in all five areas").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ENGINE_VERSION = "1.0"
SCORE_DECIMALS = 9

RATING_COLUMNS = ("assessment_id", "reviewer_id", "criterion_id", "level")
CRITERION_COLUMNS = ("criterion_id", "weight", "max_level", "min_pass_level")
RESULT_COLUMNS = (
    "score", "complete", "n_reviewers", "gates_passed", "disagreement", "recommended",
)


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing columns: {', '.join(missing)}")


def score_panel(
    ratings: pd.DataFrame, criteria: pd.DataFrame, *, pass_threshold: float = 70.0
) -> pd.DataFrame:
    """One row per assessment (index ``assessment_id``) with the columns of RESULT_COLUMNS.

    - ``score``: weighted percentage over all criteria, rounded to SCORE_DECIMALS places;
      NaN when a criterion has no rating;
    - ``complete``: every criterion rated by at least one reviewer;
    - ``n_reviewers``: distinct reviewers of the assessment;
    - ``gates_passed``: every gated criterion rated at least its ``min_pass_level`` by every
      reviewer who rated it, and rated at all;
    - ``disagreement``: on some criterion the highest and lowest level differ by 2 or more;
    - ``recommended``: complete, gates passed and score ≥ ``pass_threshold``.

    Raises ``ValueError`` on missing columns, unknown criteria, duplicate ratings, levels out
    of range or non-positive weights.
    """
    _require_columns(ratings, RATING_COLUMNS, "ratings")
    _require_columns(criteria, CRITERION_COLUMNS, "criteria")
    criteria = criteria.set_index("criterion_id")
    if criteria.index.has_duplicates:
        raise ValueError("criteria lists a criterion_id twice")
    if (criteria["weight"] <= 0).any() or criteria["weight"].isna().any():
        raise ValueError("every criterion weight must be greater than 0")
    if (criteria["max_level"] < 1).any():
        raise ValueError("every max_level must be at least 1")

    unknown = ~ratings["criterion_id"].isin(criteria.index)
    if unknown.any():
        names = sorted(ratings.loc[unknown, "criterion_id"].unique())
        raise ValueError(f"ratings name unknown criteria: {names}")
    duplicated = ratings.duplicated(["assessment_id", "reviewer_id", "criterion_id"])
    if duplicated.any():
        raise ValueError("a reviewer rated the same criterion of an assessment twice")
    max_levels = ratings["criterion_id"].map(criteria["max_level"])
    levels = ratings["level"]
    if levels.isna().any() or (levels < 0).any() or (levels > max_levels).any():
        raise ValueError("a level lies outside 0..max_level of its criterion")

    per_criterion = ratings.groupby(["assessment_id", "criterion_id"])["level"].agg(
        ["mean", "min", "max"]
    )
    assessments = pd.Index(ratings["assessment_id"].unique(), name="assessment_id")
    full_index = pd.MultiIndex.from_product(
        [assessments, criteria.index], names=["assessment_id", "criterion_id"]
    )
    per_criterion = per_criterion.reindex(full_index)
    weights = per_criterion.index.get_level_values("criterion_id").map(criteria["weight"])
    maxima = per_criterion.index.get_level_values("criterion_id").map(criteria["max_level"])
    gates = per_criterion.index.get_level_values("criterion_id").map(criteria["min_pass_level"])

    weighted = pd.Series(
        np.asarray(weights, dtype=float) * per_criterion["mean"].to_numpy() / np.asarray(
            maxima, dtype=float
        ),
        index=per_criterion.index,
    )
    rated = per_criterion["mean"].notna()
    complete = rated.groupby(level="assessment_id").all()
    score = 100.0 * weighted.groupby(level="assessment_id").sum(min_count=1) / float(
        criteria["weight"].sum()
    )
    # Rounded so that floating-point noise cannot move a candidate across the threshold:
    # thirds of levels or fractional weights must still give exactly 50 or 100.
    score = score.where(complete).round(SCORE_DECIMALS)

    gate_values = pd.Series(np.asarray(gates, dtype=float), index=per_criterion.index)
    gate_ok = gate_values.isna() | (per_criterion["min"] >= gate_values)
    gates_passed = gate_ok.groupby(level="assessment_id").all()
    spread = (per_criterion["max"] - per_criterion["min"]).fillna(0)
    disagreement = (spread >= 2).groupby(level="assessment_id").any()
    n_reviewers = ratings.groupby("assessment_id")["reviewer_id"].nunique()

    result = pd.DataFrame(
        {
            "score": score,
            "complete": complete,
            "n_reviewers": n_reviewers,
            "gates_passed": gates_passed,
            "disagreement": disagreement,
        }
    )
    result["recommended"] = (
        result["complete"] & result["gates_passed"] & (result["score"] >= pass_threshold)
    )
    result.index.name = "assessment_id"
    return result.loc[:, list(RESULT_COLUMNS)]
