"""Inter-rater reliability: Krippendorff's ordinal α per criterion and overall, and whether
the sample supports it (its bootstrap interval). Pure numpy, like the engine it sits beside.

Both read the same pairable units — (criterion, assessment) cells rated by two or more
reviewers — counted once from the engine's integer codes with one ``bincount``. Each unit's
share of Krippendorff's coincidence matrix is computed once: α of a criterion is α of the sum
of its units' shares, and a bootstrap resample is one matrix product of the applications'
draw counts with their summed shares (Krippendorff 2011; review_anchors §4). The suite checks
every figure against the ``krippendorff`` package on reliability data, and against
Krippendorff's published worked example (α ordinal = 0.815).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessments.scoring import _encode, _ranks_by_id

RELIABILITY_COLUMNS = ("alpha", "n_units", "n_ratings")
INTERVAL_COLUMNS = ("n_applications", "enough", "low", "high")
OVERALL = "overall"
MIN_ALPHA_APPLICATIONS = 10
RESAMPLES, CONFIDENCE, SEED = 500, 0.95, 17024  # the bootstrap's, page and function alike


@dataclass(frozen=True)
class _Units:
    """The pairable units, sorted by criterion id, then assessment id."""

    ranked: list  # every criterion id, sorted: a unit's ``rank`` is a position in it
    keys: list  # the criterion ids that have ratings, sorted (the tables' rows before OVERALL)
    criteria: list  # every criterion id, in the criteria frame's order
    rank: np.ndarray  # per unit: its criterion's rank among all criterion ids (sorted)
    application: np.ndarray  # per unit: its assessment, coded 0.. in order of appearance
    applications: int
    shares: np.ndarray  # per unit: its share of the coincidence matrix, upper triangle
    size: int  # levels 0..size-1
    ratings_per_rank: np.ndarray  # ratings of each criterion (by rank), pairable or not

    @property
    def upper(self) -> int:
        """How many values an upper triangle of a coincidence matrix holds."""
        return self.size * (self.size + 1) // 2


def _units(ratings: pd.DataFrame, criteria: pd.DataFrame) -> _Units:
    encoded = _encode(ratings, criteria)
    indexed = encoded.criteria
    size = int(indexed["max_level"].max()) + 1 if len(indexed) else 1
    level = encoded.level.astype(np.int64)
    if (level != encoded.level).any():
        raise ValueError("Krippendorff's ordinal α needs whole levels")
    rank_of, sorted_ids = _ranks_by_id(indexed.index)
    rank = rank_of[encoded.criterion]
    assessments = len(encoded.assessments)
    cell = rank * assessments + encoded.assessment
    counts = np.bincount(cell * size + level, minlength=len(indexed) * assessments * size)
    counts = counts.reshape(-1, size)
    pairable = np.flatnonzero(counts.sum(axis=1) >= 2)
    values = counts[pairable].astype(float)
    shares = values[:, :, None] * values[:, None, :]
    shares[:, np.arange(size), np.arange(size)] -= values
    shares /= (values.sum(axis=1) - 1)[:, None, None]
    application, uniques = pd.factorize(pairable % assessments)
    upper_rows, upper_columns = np.triu_indices(size)
    per_rank = np.bincount(rank, minlength=len(indexed))
    keys = [key for key, n in zip(sorted_ids, per_rank, strict=True) if n]
    return _Units(ranked=list(sorted_ids), keys=keys,
                  criteria=list(indexed.index), rank=pairable // assessments,
                  application=application, applications=len(uniques),
                  shares=shares[:, upper_rows, upper_columns], size=size,
                  ratings_per_rank=per_rank)


def _ordinal_alpha(coincidence: np.ndarray) -> np.ndarray:
    """Ordinal α from coincidence matrices (..., V, V): 1 − (n−1)·Σ o·δ² ÷ Σ n_c·n_k·δ², with
    δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² (Krippendorff 2011); NaN where undefined (no
    pairable value, or a single value: nothing to disagree about)."""
    size = coincidence.shape[-1]
    n_c = coincidence.sum(axis=-1)
    n = n_c.sum(axis=-1)
    cumulative = np.cumsum(n_c, axis=-1)
    c, k = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    low, high = np.minimum(c, k), np.maximum(c, k)
    between = cumulative[..., high] - cumulative[..., low] + n_c[..., low]
    delta = (between - (n_c[..., c] + n_c[..., k]) / 2) ** 2
    observed = (coincidence * delta).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * observed / expected, np.nan)


def _per_rank(units: _Units, group: np.ndarray, groups: int) -> np.ndarray:
    """The units' shares summed per ``group`` (0..groups-1): (groups, upper triangle)."""
    return np.stack([np.bincount(group, weights=column, minlength=groups)
                     for column in units.shares.T], axis=1) if len(units.shares) else (
        np.zeros((groups, units.upper)))


def _square(upper: np.ndarray, size: int) -> np.ndarray:
    """Coincidence matrices (..., size, size) from their upper triangles: the matrices are
    symmetric, so sums and resamples need only these (15 of 25 values for levels 0–4)."""
    square = np.zeros((*upper.shape[:-1], size, size))
    rows, columns = np.triu_indices(size)
    square[..., rows, columns] = upper
    square[..., columns, rows] = upper
    return square


def _reliability(units: _Units) -> pd.DataFrame:
    ranks = len(units.ratings_per_rank)
    coincidence = _square(_per_rank(units, units.rank, ranks), units.size)
    alphas = _ordinal_alpha(coincidence)
    n_units = np.bincount(units.rank, minlength=ranks)
    present = np.flatnonzero(units.ratings_per_rank)
    rows = {key: (float(alphas[rank]), int(n_units[rank]), int(units.ratings_per_rank[rank]))
            for key, rank in zip(units.keys, present, strict=True)}
    rows[OVERALL] = (float(_ordinal_alpha(coincidence.sum(axis=0))), len(units.rank),
                     int(units.ratings_per_rank.sum()))
    result = pd.DataFrame.from_dict(rows, orient="index", columns=list(RELIABILITY_COLUMNS))
    result.index.name = "criterion_id"
    return result


def interrater_reliability(ratings: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's α (ordinal) per criterion and overall.

    Units are assessments (per criterion) or (assessment, criterion) pairs (overall); units
    rated by fewer than two reviewers do not count, and α is NaN when it is undefined (fewer
    than two values, or no unit with two ratings). Indexed by ``criterion_id`` (the criteria
    that have ratings, sorted), with a last row ``"overall"``; columns ``alpha``, ``n_units``,
    ``n_ratings``. Raises ``ValueError`` where ``scoring.score_panel`` does, and for a level
    that is not a whole number (ordinal values are levels 0..max_level).
    """
    return _reliability(_units(ratings, criteria))


def _draw_counts(draws: np.ndarray, applications: int, rows: int = 25) -> np.ndarray:
    """How many times each resample (row of ``draws``) drew each application, as floats:
    one bincount per block of ``rows`` resamples, whose counters stay in the processor's
    cache (500 × 8,000 at once: 30–55 ms; in blocks of 25: 17–23)."""
    counts = np.empty((len(draws), applications))
    for start in range(0, len(draws), rows):
        block = draws[start:start + rows]
        offsets = np.arange(len(block))[:, None] * applications
        counts[start:start + rows] = np.bincount(
            (block + offsets).ravel(), minlength=len(block) * applications).reshape(
            len(block), applications)
    return counts


def _intervals(units: _Units, resamples: int, confidence: float, seed: int,
               min_applications: int) -> pd.DataFrame:
    ranks = len(units.ratings_per_rank)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, max(units.applications, 1), size=(resamples, units.applications))
    weights = _draw_counts(draws, units.applications)
    # Each criterion's shares summed per application, and all of them (overall): one product
    # gives every resample's coincidence matrix for every key.
    per_application = _per_rank(units, units.rank * units.applications + units.application,
                                ranks * units.applications)
    upper = units.upper  # never -1 in a reshape below: the arrays may be empty
    per_application = per_application.reshape(ranks, units.applications, upper)
    n_applications = np.append(np.bincount(units.rank, minlength=ranks), units.applications)
    enough = n_applications >= min_applications
    blocks = np.concatenate([per_application, per_application.sum(axis=0)[None]])
    low = np.full(ranks + 1, np.nan)
    high = np.full(ranks + 1, np.nan)
    if enough.any():
        chosen = np.flatnonzero(enough)
        stacked = blocks[chosen].transpose(1, 0, 2).reshape(units.applications,
                                                            len(chosen) * upper)
        resampled = _square((weights @ stacked).reshape(resamples, len(chosen), upper),
                            units.size)
        alphas = _ordinal_alpha(resampled)
        tail = (1 - confidence) / 2 * 100
        for column, key in enumerate(chosen):
            defined = alphas[:, column][~np.isnan(alphas[:, column])]
            if len(defined):
                low[key], high[key] = np.percentile(defined, [tail, 100 - tail])
    rank_of = {key: rank for rank, key in enumerate(units.ranked)}
    rows = {key: (int(n_applications[rank]), bool(enough[rank]), low[rank], high[rank])
            for key, rank in [*((key, rank_of[key]) for key in units.criteria),
                              (OVERALL, ranks)]}
    result = pd.DataFrame.from_dict(rows, orient="index", columns=list(INTERVAL_COLUMNS))
    result.index.name = "criterion_id"
    return result


def alpha_intervals(
    ratings: pd.DataFrame, criteria: pd.DataFrame, *, resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE, seed: int = SEED,
    min_applications: int = MIN_ALPHA_APPLICATIONS,
) -> pd.DataFrame:
    """Whether the sample supports Krippendorff's α, and its bootstrap interval: indexed by
    ``criterion_id`` (every criterion, in the criteria's order) and ``"overall"``, columns
    INTERVAL_COLUMNS.

    ``n_applications``: applications with two or more ratings of the criterion (overall: of
    some criterion); ``enough``: at least ``min_applications`` of them; ``low``, ``high``: the
    percentile bootstrap interval (``confidence``), resampling applications with replacement
    (``resamples`` draws, fixed ``seed``), NaN when not enough. Raises as
    ``interrater_reliability``.
    """
    return _intervals(_units(ratings, criteria), resamples, confidence, seed, min_applications)


def reliability_table(ratings: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """``interrater_reliability`` joined with ``alpha_intervals``, from one count of the
    units: what the analytics page shows."""
    units = _units(ratings, criteria)
    return _reliability(units).join(
        _intervals(units, RESAMPLES, CONFIDENCE, SEED, MIN_ALPHA_APPLICATIONS))
