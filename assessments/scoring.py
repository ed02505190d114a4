"""The scoring engine: pure pandas and numpy, no Flask, no ORM.

``score_panel`` turns the reviewers' levels into one row per assessment:

    score = 100 × Σ_c w_c · (mean level of c ÷ max_level_c) ÷ Σ_c w_c

Must-pass criteria (``min_pass_level``) are conjunctive: *every* reviewer must rate them at
least that level — an average cannot rescue a failing gate (domain_anchors §3.4 rule 6,
after Keele's "all points satisfactory" and UK-SPEC's "competence in all five areas").
Since engine 1.1 every criterion's panel score (the reviewers' mean level) must also reach the
rubric version's floor (level 2 by default): a high weighted score cannot carry a criterion
left at zero. Decisions recorded by engine 1.0 are recomputed without the floor
(``floor_for``), so that they still verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

ENGINE_VERSION = "1.1"
SCORE_DECIMALS = 9
DEFAULT_FLOOR = 2
DISAGREEMENT_LEVELS = 2  # reviewers this many levels apart on a criterion disagree
# Engine versions that had no floor: their decisions are recomputed by their own rule.
# (None: decisions recorded before the engine version was stored.)
_WITHOUT_FLOOR = frozenset({None, "1.0"})

RATING_COLUMNS = ("assessment_id", "reviewer_id", "criterion_id", "level")
CRITERION_COLUMNS = ("criterion_id", "weight", "max_level", "min_pass_level")
RESULT_COLUMNS = (
    "score", "complete", "n_reviewers", "gates_passed", "disagreement", "below_floor",
    "recommended",
)


def floor_for(engine_version: str | None, floor: float | None) -> float | None:
    """The floor the engine ``engine_version`` applied (None: no floor, as in engine 1.0)."""
    return None if engine_version in _WITHOUT_FLOOR else floor


def decides_bands(engine_version: str | None) -> bool:
    """Whether the engine ``engine_version`` decided award bands (from 1.1, with the floor)."""
    return engine_version not in _WITHOUT_FLOOR


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing columns: {', '.join(missing)}")


@dataclass(frozen=True)
class _Encoded:
    """The ratings as integer codes, after every check: the engine's working form."""

    criteria: pd.DataFrame  # indexed by criterion_id
    assessments: pd.Index  # sorted assessment ids; code i is assessments[i]
    assessment: np.ndarray  # per rating: assessment code
    criterion: np.ndarray  # per rating: position of its criterion in ``criteria``
    pair: np.ndarray  # per rating: code of its (assessment, reviewer) pair
    pair_assessment: np.ndarray  # per pair code: its assessment code
    level: np.ndarray  # per rating, as float


def _encode(ratings: pd.DataFrame, criteria: pd.DataFrame) -> _Encoded:
    _require_columns(ratings, RATING_COLUMNS, "ratings")
    _require_columns(criteria, CRITERION_COLUMNS, "criteria")
    indexed = criteria.set_index("criterion_id")
    if indexed.index.has_duplicates:
        raise ValueError("criteria lists a criterion_id twice")
    if (indexed["weight"] <= 0).any() or indexed["weight"].isna().any():
        raise ValueError("every criterion weight must be greater than 0")
    if (indexed["max_level"] < 1).any():
        raise ValueError("every max_level must be at least 1")
    position = _positions(indexed.index, ratings["criterion_id"])
    if (position < 0).any():
        names = sorted(ratings.loc[position < 0, "criterion_id"].unique())
        raise ValueError(f"ratings name unknown criteria: {names}")
    level = ratings["level"].to_numpy(dtype=float, na_value=np.nan)
    maxima = indexed["max_level"].to_numpy()[position]
    if np.isnan(level).any() or (level < 0).any() or (level > maxima).any():
        raise ValueError("a level lies outside 0..max_level of its criterion")
    assessment, assessments = _codes(ratings["assessment_id"])
    reviewer, reviewer_count = _small_codes(ratings["reviewer_id"])
    pair, pairs = pd.factorize(assessment * reviewer_count + reviewer)
    if _has_duplicates(pair, position, len(pairs), len(indexed)):
        raise ValueError("a reviewer rated the same criterion of an assessment twice")
    return _Encoded(indexed, pd.Index(assessments, name="assessment_id"), assessment,
                    position, pair, np.asarray(pairs) // reviewer_count, level)


def _codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes 0..n-1 following the sorted ids. Rows already in id order (the usual
    export) take a linear path; any other order a hash table."""
    values = ids.to_numpy()
    if values.dtype.kind in "iu" and len(values) and (values[1:] >= values[:-1]).all():
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        codes = np.zeros(len(values), dtype=np.int64)
        codes[starts[1:]] = 1
        return np.cumsum(codes), values[starts]
    codes, uniques = pd.factorize(ids, sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def _small_codes(ids: pd.Series) -> tuple[np.ndarray, int]:
    """Codes for ids that are usually small non-negative integers (database keys): the ids
    themselves; otherwise hashed."""
    values = ids.to_numpy()
    if values.dtype.kind in "iu" and len(values) and values.min() >= 0 and (
        values.max() < 1 << 20
    ):
        return values.astype(np.int64), int(values.max()) + 1
    codes, uniques = pd.factorize(ids)
    return codes.astype(np.int64), max(len(uniques), 1)


def _positions(index: pd.Index, ids: pd.Series) -> np.ndarray:
    """Each rating's criterion position in ``index`` (-1 when unknown), by a lookup table for
    the usual small integer ids."""
    values = ids.to_numpy()
    keys = index.to_numpy()
    if (values.dtype.kind in "iu" and keys.dtype.kind in "iu" and len(keys)
            and keys.min() >= 0 and keys.max() < 1 << 20):
        table = np.full(int(keys.max()) + 2, -1, dtype=np.int64)
        table[keys] = np.arange(len(keys))
        inside = (values >= 0) & (values <= keys.max())
        return np.where(inside, table[np.clip(values, 0, keys.max() + 1)], -1)
    return index.get_indexer(ids)


def _ranks_by_id(ids: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Each criterion's rank among the criteria sorted by id (by position in ``ids``), and
    the ids so sorted: tables keyed by criterion list them by id, whatever the rubric's
    order."""
    order = np.argsort(ids.to_numpy(), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank, ids[order]


def _has_duplicates(pair: np.ndarray, criterion: np.ndarray, pairs: int, criteria: int) -> bool:
    """Whether some (assessment, reviewer) pair rated a criterion twice. With up to 63
    criteria, each pair's criteria fit one bit mask: a duplicate shows as fewer bits set than
    ratings counted — no hashing of 3-column keys."""
    if len(pair) == 0:
        return False
    if criteria > 63:
        return bool(pd.Series(pair.astype(np.int64) * criteria + criterion).duplicated().any())
    masks = np.zeros(pairs, dtype=np.uint64)
    np.bitwise_or.at(masks, pair, np.left_shift(np.uint64(1), criterion.astype(np.uint64)))
    return bool((np.bincount(pair, minlength=pairs) != np.bitwise_count(masks)).any())


def _validated(ratings: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """The criteria indexed by ``criterion_id``, once both tables pass every check."""
    return _encode(ratings, criteria).criteria


def score_panel(
    ratings: pd.DataFrame,
    criteria: pd.DataFrame,
    *,
    pass_threshold: float = 70.0,
    floor: float | None = DEFAULT_FLOOR,
) -> pd.DataFrame:
    """One row per assessment (index ``assessment_id``) with the columns of RESULT_COLUMNS.

    - ``score``: weighted percentage over all criteria, rounded to SCORE_DECIMALS places;
      NaN when a criterion has no rating;
    - ``complete``: every criterion rated by at least one reviewer;
    - ``n_reviewers``: distinct reviewers of the assessment;
    - ``gates_passed``: every gated criterion rated at least its ``min_pass_level`` by every
      reviewer who rated it, and rated at all;
    - ``disagreement``: on some criterion the highest and lowest level differ by 2 or more;
    - ``below_floor``: the sorted tuple of criterion ids whose panel score,
      the mean of the reviewers' levels, is below ``floor`` (capped at the criterion's
      ``max_level``); always empty when ``floor`` is None;
    - ``recommended``: complete, gates passed, nothing below the floor and score ≥
      ``pass_threshold``.

    Raises ``ValueError`` on missing columns, unknown criteria, duplicate ratings, levels out
    of range or non-positive weights. Vectorised: every step is a NumPy reduction over integer
    codes of (assessment, criterion) cells; nothing loops over assessments or ratings.
    """
    encoded = _encode(ratings, criteria)
    indexed = encoded.criteria
    count, width = len(encoded.assessments), len(indexed)
    cell = encoded.assessment.astype(np.int64) * width + encoded.criterion
    cells = count * width
    rated = np.bincount(cell, minlength=cells).reshape(count, width)
    total = np.bincount(cell, weights=encoded.level, minlength=cells).reshape(count, width)
    lowest, highest = _extremes(cell, encoded.level, cells)
    lowest, highest = lowest.reshape(count, width), highest.reshape(count, width)

    weights = indexed["weight"].to_numpy(dtype=float)
    maxima = indexed["max_level"].to_numpy(dtype=float)
    gates = indexed["min_pass_level"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = total / rated
    complete = (rated > 0).all(axis=1)
    score = 100.0 * ((means / maxima) @ weights) / weights.sum()
    score = np.where(complete, np.round(score, SCORE_DECIMALS), np.nan)
    gated = ~np.isnan(gates)
    gates_passed = ((rated[:, gated] > 0) & (lowest[:, gated] >= gates[gated])).all(axis=1)
    disagreement = ((highest - lowest) >= DISAGREEMENT_LEVELS).any(axis=1)
    n_reviewers = np.bincount(encoded.pair_assessment, minlength=count)
    below_floor = _below_floor(means, np.minimum(maxima, floor) if floor is not None else None,
                               indexed.index)

    result = pd.DataFrame(
        {
            "score": score,
            "complete": complete,
            "n_reviewers": n_reviewers,
            "gates_passed": gates_passed,
            "disagreement": disagreement,
            "below_floor": below_floor,
            "recommended": (complete & gates_passed & (score >= pass_threshold)
                            & np.array([not low for low in below_floor], dtype=bool)),
        },
        index=encoded.assessments,
    )
    return result


def _extremes(cell: np.ndarray, level: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest level in each cell 0..cells-1 (±inf where none)."""
    lowest = np.full(cells, np.inf)
    np.minimum.at(lowest, cell, level)
    highest = np.full(cells, -np.inf)
    np.maximum.at(highest, cell, level)
    return lowest, highest


def disagreements(ratings: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """The cells behind ``score_panel``'s ``disagreement``: each (assessment_id,
    criterion_id) whose reviewers' levels lie DISAGREEMENT_LEVELS or more apart, with the
    lowest and highest level (columns ``min``, ``max``), sorted by both ids. What the analytics
    page lists, without the whole panel table."""
    encoded = _encode(ratings, criteria)
    rank, sorted_ids = _ranks_by_id(encoded.criteria.index)
    width = len(rank)
    lowest, highest = _extremes(encoded.assessment * width + rank[encoded.criterion],
                                encoded.level, len(encoded.assessments) * width)
    apart = np.flatnonzero(highest - lowest >= DISAGREEMENT_LEVELS)
    index = pd.MultiIndex.from_arrays(
        [encoded.assessments[apart // width], sorted_ids[apart % width]],
        names=["assessment_id", "criterion_id"])
    return pd.DataFrame({"min": lowest[apart], "max": highest[apart]}, index=index)


def _below_floor(means: np.ndarray, floors: np.ndarray | None, ids: pd.Index) -> np.ndarray:
    """Per assessment, the sorted tuple of criterion ids whose mean level lies below its floor.
    Each row's low criteria are packed into one integer key; only the distinct keys (a few,
    however many assessments) are turned into tuples."""
    count, width = means.shape
    if floors is None or count == 0:
        keys, width = np.zeros(count, dtype=np.int64), 0
    else:
        order = sorted(range(width), key=lambda i: ids[i])
        with np.errstate(invalid="ignore"):
            low = (means < floors)[:, order]
        if width <= 62:
            keys = low.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))
        else:
            keys = pd.factorize(pd.Series([row.tobytes() for row in low]))[0]
    distinct, inverse = np.unique(keys, return_inverse=True)
    tuples = np.empty(len(distinct), dtype=object)
    for position, key in enumerate(distinct):
        if width == 0 or key == 0 and width <= 62:
            tuples[position] = ()
        elif width <= 62:
            tuples[position] = tuple(ids[order[i]] for i in range(width) if key >> i & 1)
        else:
            row = low[np.flatnonzero(keys == key)[0]]
            tuples[position] = tuple(ids[order[i]] for i in range(width) if row[i])
    return tuples[inverse.reshape(-1)]


def award_band(score: float, levels: Mapping[str, float],
               bands: Sequence[Mapping]) -> str | None:
    """The code of the highest award band reached, or None.

    ``bands`` are the rubric version's, lowest first (``code``, ``min_score``, ``min_levels``:
    {criterion code: level}); a band is reached when ``score`` is at least its ``min_score``
    and each named criterion's panel level (``levels``: mean level by criterion code) at least
    its minimum (domain_anchors §3.4 rule 6: "S of at least 75 % with P11 at least 3").
    """
    if score is None or np.isnan(score):
        return None
    reached = None
    for band in bands:
        minimum_levels = band.get("min_levels") or {}
        if score >= float(band["min_score"]) and all(
            code in levels and levels[code] >= level for code, level in minimum_levels.items()
        ):
            reached = band["code"]
    return reached


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
    if self_levels is not None:
        _require_columns(self_levels, ("assessment_id", "criterion_id", "level"), "self_levels")
    if self_levels is not None and len(self_levels):
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
MIN_SEVERITY_REVIEWS = 5


def reviewer_severity(
    ratings: pd.DataFrame,
    criteria: pd.DataFrame,
    *,
    min_reviews: int = MIN_SEVERITY_REVIEWS,
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
    encoded = _encode(ratings, criteria)
    # Counted by codes (one bincount each) instead of pandas group-bys: 50 → 10 ms at 100×.
    cell = encoded.criterion * len(encoded.assessments) + encoded.assessment
    total = np.bincount(cell, weights=encoded.level)[cell]
    count = np.bincount(cell)[cell]
    compared = count > 1
    deviation = encoded.level[compared] - (total - encoded.level)[compared] / (
        count[compared] - 1)
    reviewer, reviewer_ids = pd.factorize(ratings["reviewer_id"], sort=True)
    reviewers = len(reviewer_ids)
    reviewer_of_pair = np.zeros(len(encoded.pair_assessment), dtype=np.int64)
    reviewer_of_pair[encoded.pair] = reviewer  # a pair is one assessment of one reviewer
    n_compared = np.bincount(reviewer[compared], minlength=reviewers)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_deviation = np.bincount(reviewer[compared], weights=deviation,
                                     minlength=reviewers) / n_compared
    per_reviewer = pd.DataFrame(
        {"n_reviews": np.bincount(reviewer_of_pair, minlength=reviewers),
         "n_compared": n_compared, "mean_deviation": mean_deviation},
        index=pd.Index(reviewer_ids, name="reviewer_id"))
    return _standardised(per_reviewer, min_reviews=min_reviews, z_limit=z_limit)


def _standardised(per_reviewer: pd.DataFrame, *, min_reviews: int,
                  z_limit: float) -> pd.DataFrame:
    """``reviewer_severity``'s table from each reviewer's ``n_reviews``, ``n_compared`` and
    ``mean_deviation``: z over the calibrated reviewers, and the status."""
    calibrated = per_reviewer["n_reviews"] >= min_reviews
    reference = per_reviewer.loc[calibrated & per_reviewer["mean_deviation"].notna(),
                                 "mean_deviation"]
    spread = reference.std(ddof=0) if len(reference) >= 2 else np.nan
    # Equal deviations can leave a rounding residue (~1e-17) instead of 0: treat it as none.
    tolerance = 1e-9 * max(1.0, float(reference.abs().max()) if len(reference) else 1.0)
    if np.isnan(spread) or spread <= tolerance:
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


def ratings_digest(ratings: pd.DataFrame) -> str:
    """SHA-256 of the ratings as canonical CSV (sorted rows, fixed columns, integers), so that a
    decision can later prove which ratings it was computed from."""
    _require_columns(ratings, RATING_COLUMNS, "ratings")
    columns = ratings.loc[:, list(RATING_COLUMNS)]
    if (columns.isna().to_numpy().any()
            or (columns.to_numpy(dtype=float) % 1 != 0).any()):
        raise ValueError("ratings must be whole numbers to be digested")
    canonical = (
        ratings.loc[:, list(RATING_COLUMNS)]
        .astype("int64")
        .sort_values(list(RATING_COLUMNS))
        .to_csv(index=False, lineterminator="\n")
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
