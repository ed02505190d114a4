"""``flask --app certify scores verify``: every stored decision recomputed from the ratings and
rubric it names, in one engine pass per rubric version and rule.

The decisions, their applications' ratings and their certificates' bands are each read in one
query; the engine (``assessments.scoring``) then runs once per (rubric version, floor) over all
the ratings of the decisions taken under it, and the ratings' digests are computed for every
application at once. The messages are those of the one-decision-at-a-time check they replace.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from assessments import scoring
from assessments.analytics import RATING_COLUMNS, criteria_frame, integer_frame, query_frame
from assessments.models import Application, Competition, Decision, Review, ReviewScore
from assessments.states import Outcome, ReviewState
from certify.certificates.models import Certificate
from certify.core.extensions import db
from rubrics.io import version_hash
from rubrics.models import RubricVersion

_HEADER = ",".join(RATING_COLUMNS) + "\n"
DIGEST_CHUNK = 1000  # assessments whose canonical text is made at a time


@dataclass(frozen=True)
class Mismatch:
    decision_id: int
    application_id: int
    problem: str


def ratings_digests(ratings: pd.DataFrame, chunk: int = DIGEST_CHUNK) -> dict[int, str]:
    """``scoring.ratings_digest`` of each assessment's ratings, all computed in one sort: the
    same canonical CSV (header, rows sorted by every column, whole numbers), cut per
    assessment. The text is made ``chunk`` assessments at a time, so it never exists whole."""
    ordered = ratings.loc[:, list(RATING_COLUMNS)].astype("int64").sort_values(
        list(RATING_COLUMNS))
    ids = ordered["assessment_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([])
    bounds = [*starts[::chunk], len(ids)]
    digests: dict[int, str] = {}
    for start, end in itertools.pairwise(bounds):
        part = ordered.iloc[int(start):int(end)]
        text = part.astype(str)
        lines = (text["assessment_id"] + "," + text["reviewer_id"] + ","
                 + text["criterion_id"] + "," + text["level"] + "\n")
        digests.update({int(assessment): hashlib.sha256(
            (_HEADER + "".join(group)).encode("ascii")).hexdigest()
            for assessment, group in lines.groupby(part["assessment_id"], sort=False)})
    return digests


EMPTY_DIGEST = hashlib.sha256(_HEADER.encode("ascii")).hexdigest()


def _decisions() -> pd.DataFrame:
    return query_frame(
        sa.select(Decision.id, Decision.application_id, Decision.score, Decision.recommended,
                  Decision.outcome, Decision.band, Decision.engine_version,
                  Decision.ratings_hash, Decision.rubric_content_hash,
                  Competition.rubric_version_id)
        .join(Application, Application.id == Decision.application_id)
        .join(Competition, Competition.id == Application.competition_id)
        .order_by(Decision.id),
        ["id", "application_id", "score", "recommended", "outcome", "band", "engine_version",
         "ratings_hash", "rubric_content_hash", "version_id"]).astype(object)


def _ratings() -> pd.DataFrame:
    """Every submitted rating of every decided application, in one query."""
    return integer_frame(
        sa.select(Review.application_id, Review.reviewer_id, ReviewScore.criterion_id,
                  ReviewScore.level)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(Decision, Decision.application_id == Review.application_id)
        .where(Review.state == ReviewState.submitted, ReviewScore.level.is_not(None)),
        list(RATING_COLUMNS))


@dataclass
class _Recomputed:
    """The engine's figures for one application: score, recommendation and mean levels."""

    score: float
    recommended: bool
    means: dict[int, float]


def _recompute(decisions: pd.DataFrame, ratings: pd.DataFrame,
               versions: dict[int, RubricVersion]) -> dict[int, _Recomputed]:
    """Each decided application's figures, by its rubric version and its decision's rule: one
    engine run per (version, floor)."""
    figures: dict[int, _Recomputed] = {}
    floors = decisions.apply(lambda d: scoring.floor_for(
        d["engine_version"], versions[d["version_id"]].floor_level), axis=1) \
        if len(decisions) else pd.Series(dtype=object)
    keys = pd.DataFrame({"version_id": decisions["version_id"],
                         "floor": floors.astype(object).where(floors.notna(), -1)})
    for (version_id, floor), group in decisions.groupby(
            [keys["version_id"], keys["floor"]], sort=False):
        version = versions[version_id]
        part = ratings[ratings["assessment_id"].isin(group["application_id"])]
        if part.empty:
            continue
        criteria = criteria_frame(version)
        results = scoring.score_panel(part, criteria, pass_threshold=version.pass_threshold,
                                      floor=None if floor == -1 else floor)
        means = part.groupby(["assessment_id", "criterion_id"])["level"].mean()
        per_application: dict[int, dict[int, float]] = {}
        for (assessment, criterion), mean in means.items():
            per_application.setdefault(int(assessment), {})[int(criterion)] = float(mean)
        for assessment, score, recommended in zip(results.index, results["score"],
                                                  results["recommended"], strict=True):
            figures[int(assessment)] = _Recomputed(float(score), bool(recommended),
                                                   per_application.get(int(assessment), {}))
    return figures


def verify_decisions() -> tuple[int, list[Mismatch]]:
    """Recompute every stored decision from the ratings and rubric it names.

    Returns the number of decisions checked and each disagreement: a changed rubric version
    (its content no longer hashes to the hash recorded), changed ratings (their digest differs),
    or a different score or recommendation, or band. Each decision is recomputed by the rule
    of the engine version it records (engine 1.0 had no floor).
    """
    decisions = _decisions()
    if decisions.empty:
        return 0, []
    versions = {version.id: version for version in db.session.scalars(
        sa.select(RubricVersion).where(RubricVersion.id.in_(
            [int(i) for i in decisions["version_id"].unique()])))}
    hashes = {version_id: version_hash(version) for version_id, version in versions.items()}
    ratings = _ratings()
    digests = ratings_digests(ratings)
    figures = _recompute(decisions, ratings, versions)
    certificate_bands = dict(db.session.execute(
        sa.select(Certificate.application_id, Certificate.band)
        .join(Decision, Decision.application_id == Certificate.application_id)).all())
    certified = set(db.session.scalars(
        sa.select(Certificate.application_id)
        .join(Decision, Decision.application_id == Certificate.application_id)))

    mismatches: list[Mismatch] = []
    for decision in decisions.itertuples(index=False):
        version = versions[decision.version_id]

        def report(problem: str, decision=decision) -> None:
            mismatches.append(Mismatch(int(decision.id), int(decision.application_id), problem))

        if decision.rubric_content_hash and hashes[decision.version_id] != (
                decision.rubric_content_hash):
            report("rubric version content does not match the recorded hash")
        found = figures.get(decision.application_id)
        digest = digests.get(decision.application_id, EMPTY_DIGEST)
        if decision.ratings_hash and digest != decision.ratings_hash:
            report("ratings differ from those the decision was computed from")
        if decision.score is not None and not pd.isna(decision.score):
            if found is None or pd.isna(found.score):
                report("the score can no longer be computed")
            elif abs(found.score - decision.score) > 1e-6:
                report(f"score {decision.score:.4f} recomputes as {found.score:.4f}")
            elif decision.recommended is not None and not pd.isna(decision.recommended) and (
                found.recommended != bool(decision.recommended)
            ):
                report("the recommendation recomputes differently")
        if decision.outcome != Outcome.award or not scoring.decides_bands(
                decision.engine_version):
            continue
        recomputed = _band(version, found)
        band = decision.band if isinstance(decision.band, str) else None
        if band != recomputed:
            report(f"band {band or 'none'} recomputes as {recomputed or 'none'}")
        if decision.application_id in certified:
            certificate_band = certificate_bands[decision.application_id]
            if certificate_band != band:
                report(f"the certificate's band {certificate_band or 'none'} differs from the "
                       f"decision's {band or 'none'}")
    return len(decisions), mismatches


def _band(version: RubricVersion, found: _Recomputed | None) -> str | None:
    """``analytics.panel_band`` from the recomputed figures."""
    if found is None or not version.bands:
        return None
    codes = {c.id: c.code for c in version.criteria}
    levels = {codes[i]: m for i, m in found.means.items() if i in codes}
    return scoring.award_band(found.score, levels, version.bands)
