"""The scoring engine: pure pandas and numpy, no Flask, no ORM.

``score_panel`` turns the reviewers' levels into one row per assessment:

    score = 100 × Σ_c w_c · (mean level of c ÷ max_level_c) ÷ Σ_c w_c

Must-pass criteria (``min_pass_level``) are conjunctive: *every* reviewer must rate them at
least that level — an average cannot rescue a failing gate (domain_anchors §3.4 rule 6,
after Keele's "all points satisfactory" and UK-SPEC's "competence in all five areas").
"""

from __future__ import annotations

import hashlib

import krippendorff
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


def _validated(ratings: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """The criteria indexed by ``criterion_id``, once both tables pass every check."""
    _require_columns(ratings, RATING_COLUMNS, "ratings")
    _require_columns(criteria, CRITERION_COLUMNS, "criteria")
    indexed = criteria.set_index("criterion_id")
    if indexed.index.has_duplicates:
        raise ValueError("criteria lists a criterion_id twice")
    if (indexed["weight"] <= 0).any() or indexed["weight"].isna().any():
        raise ValueError("every criterion weight must be greater than 0")
    if (indexed["max_level"] < 1).any():
        raise ValueError("every max_level must be at least 1")
    unknown = ~ratings["criterion_id"].isin(indexed.index)
    if unknown.any():
        names = sorted(ratings.loc[unknown, "criterion_id"].unique())
        raise ValueError(f"ratings name unknown criteria: {names}")
    if ratings.duplicated(["assessment_id", "reviewer_id", "criterion_id"]).any():
        raise ValueError("a reviewer rated the same criterion of an assessment twice")
    levels = ratings["level"]
    maxima = ratings["criterion_id"].map(indexed["max_level"])
    if levels.isna().any() or (levels < 0).any() or (levels > maxima).any():
        raise ValueError("a level lies outside 0..max_level of its criterion")
    return indexed


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
    criteria = _validated(ratings, criteria)
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


PANEL_COLUMNS = (
    "n", "mean", "median", "sd", "min", "max", "range", "self_level", "gap", "claim",
)


def panel_table(
    ratings: pd.DataFrame,
    criteria: pd.DataFrame,
    self_levels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (assessment_id, criterion_id) that has ratings, with the panel's view and
    the candidate's own claim beside it.

    - ``n``, ``mean``, ``median``, ``sd`` (population SD, as Indico's ``score_std``), ``min``,
      ``max``, ``range`` of the reviewers' levels;
    - ``self_level`` (from ``self_levels``: columns ``assessment_id``, ``criterion_id``,
      ``level``), ``gap`` = self level − panel mean, in levels;
    - ``claim``: ``"over"`` when the gap is at least +1 level, ``"under"`` at −1 or below,
      ``""`` otherwise or without a self level.
    """
    _validated(ratings, criteria)
    grouped = ratings.groupby(["assessment_id", "criterion_id"])["level"]
    table = grouped.agg(n="count", mean="mean", median="median", min="min", max="max")
    table["sd"] = grouped.std(ddof=0)
    table["range"] = table["max"] - table["min"]
    if self_levels is not None and len(self_levels):
        _require_columns(self_levels, ("assessment_id", "criterion_id", "level"), "self_levels")
        own = self_levels.set_index(["assessment_id", "criterion_id"])["level"]
        table["self_level"] = own.reindex(table.index).astype(float)
    else:
        table["self_level"] = np.nan
    table["gap"] = table["self_level"] - table["mean"]
    table["claim"] = np.select(
        [table["gap"] >= 1, table["gap"] <= -1], ["over", "under"], default=""
    )
    return table.loc[:, list(PANEL_COLUMNS)]


SEVERITY_COLUMNS = ("n_reviews", "n_compared", "mean_deviation", "z", "status")


def reviewer_severity(
    ratings: pd.DataFrame,
    criteria: pd.DataFrame,
    *,
    min_reviews: int = 5,
    z_limit: float = 2.0,
) -> pd.DataFrame:
    """How far each reviewer sits from their co-reviewers, indexed by ``reviewer_id``.

    Each rating is compared with the mean of the *other* reviewers of the same criterion of the
    same assessment (leave-one-out consensus); ``mean_deviation`` is the reviewer's average
    difference, in levels (negative: stricter than the panel). ``z`` standardises it over the
    reviewers with at least ``min_reviews`` reviewed assessments; ``status`` is ``"severe"``
    (z < −limit), ``"lenient"`` (z > limit), ``"typical"``, or ``"uncalibrated"`` below
    ``min_reviews`` (after the review_anchors §4 advice to show "uncalibrated" rather than
    guess).
    """
    _validated(ratings, criteria)
    groups = ratings.groupby(["assessment_id", "criterion_id"])["level"]
    total = groups.transform("sum")
    count = groups.transform("count")
    others = (total - ratings["level"]) / (count - 1).where(count > 1)
    deviation = (ratings["level"] - others).rename("deviation")
    frame = ratings.assign(deviation=deviation)
    per_reviewer = frame.groupby("reviewer_id").agg(
        n_reviews=("assessment_id", "nunique"),
        n_compared=("deviation", "count"),
        mean_deviation=("deviation", "mean"),
    )
    calibrated = per_reviewer["n_reviews"] >= min_reviews
    reference = per_reviewer.loc[calibrated & per_reviewer["mean_deviation"].notna(),
                                 "mean_deviation"]
    spread = reference.std(ddof=0) if len(reference) >= 2 else np.nan
    if not spread or np.isnan(spread):
        per_reviewer["z"] = np.where(calibrated, 0.0, np.nan)
    else:
        per_reviewer["z"] = ((per_reviewer["mean_deviation"] - reference.mean()) / spread).where(
            calibrated)
    per_reviewer["status"] = np.select(
        [~calibrated, per_reviewer["z"] < -z_limit, per_reviewer["z"] > z_limit],
        ["uncalibrated", "severe", "lenient"],
        default="typical",
    )
    return per_reviewer.loc[:, list(SEVERITY_COLUMNS)]


RELIABILITY_COLUMNS = ("alpha", "n_units", "n_ratings")
OVERALL = "overall"


def _alpha(matrix: pd.DataFrame, max_level: int) -> float:
    """Krippendorff's ordinal α of a reviewers × units matrix (NaN where undefined)."""
    pairable = matrix.loc[:, matrix.notna().sum() >= 2].to_numpy(dtype=float)
    if pairable.shape[1] == 0 or np.unique(pairable[~np.isnan(pairable)]).size < 2:
        return float("nan")
    return float(krippendorff.alpha(
        reliability_data=pairable,
        level_of_measurement="ordinal",
        value_domain=np.arange(max_level + 1),
    ))


def interrater_reliability(ratings: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's α (ordinal, via the ``krippendorff`` package) per criterion and overall.

    Units are assessments (per criterion) or (assessment, criterion) pairs (overall); units
    rated by fewer than two reviewers do not count, and α is NaN when it is undefined (fewer
    than two values, or no unit with two ratings). Indexed by ``criterion_id``, with a last row
    ``"overall"``; columns ``alpha``, ``n_units``, ``n_ratings``.
    """
    indexed = _validated(ratings, criteria)
    rows = {}
    for criterion_id, part in ratings.groupby("criterion_id"):
        matrix = part.pivot(index="reviewer_id", columns="assessment_id", values="level")
        rows[criterion_id] = (
            _alpha(matrix, int(indexed.loc[criterion_id, "max_level"])),
            int((matrix.notna().sum() >= 2).sum()),
            int(part.shape[0]),
        )
    overall = ratings.pivot_table(index="reviewer_id", columns=["assessment_id", "criterion_id"],
                                  values="level", aggfunc="first")
    rows[OVERALL] = (
        _alpha(overall, int(indexed["max_level"].max())),
        int((overall.notna().sum() >= 2).sum()),
        int(ratings.shape[0]),
    )
    result = pd.DataFrame.from_dict(rows, orient="index", columns=list(RELIABILITY_COLUMNS))
    result.index.name = "criterion_id"
    return result


def ratings_digest(ratings: pd.DataFrame) -> str:
    """SHA-256 of the ratings as canonical CSV (sorted rows, fixed columns, integers), so that a
    decision can later prove which ratings it was computed from."""
    _require_columns(ratings, RATING_COLUMNS, "ratings")
    canonical = (
        ratings.loc[:, list(RATING_COLUMNS)]
        .astype("int64")
        .sort_values(list(RATING_COLUMNS))
        .to_csv(index=False, lineterminator="\n")
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
