"""The thin shell around the scoring engine: rows from the database in, DataFrames out.

Every figure shown or stored comes from ``assessments.scoring``; this module only loads the
submitted reviews, the self-assessments and the rubric into the engine's tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from assessments import scoring
from assessments.models import (
    Application,
    ApplicationAnswer,
    Competition,
    Decision,
    Review,
    ReviewScore,
)
from assessments.states import Outcome, ReviewState
from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.users.models import Branch, User
from rubrics.io import version_hash
from rubrics.models import Rubric, RubricVersion

RATING_COLUMNS = list(scoring.RATING_COLUMNS)


def criteria_frame(version: RubricVersion) -> pd.DataFrame:
    return pd.DataFrame(
        [{"criterion_id": c.id, "code": c.code, "weight": c.weight, "max_level": c.max_level,
          "min_pass_level": c.min_pass_level} for c in version.criteria],
        columns=["criterion_id", "code", "weight", "max_level", "min_pass_level"],
    )


def ratings_frame(application_ids: Iterable[int]) -> pd.DataFrame:
    """Every level of every *submitted* review of these applications (drafts do not count)."""
    ids = list(application_ids)
    rows = db.session.execute(
        sa.select(Review.application_id, Review.reviewer_id, ReviewScore.criterion_id,
                  ReviewScore.level)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .where(Review.application_id.in_(ids), Review.state == ReviewState.submitted,
               ReviewScore.level.is_not(None))
    ).all() if ids else []
    return pd.DataFrame(rows, columns=RATING_COLUMNS).astype("int64")


def self_frame(application_ids: Iterable[int]) -> pd.DataFrame:
    ids = list(application_ids)
    rows = db.session.execute(
        sa.select(ApplicationAnswer.application_id, ApplicationAnswer.criterion_id,
                  ApplicationAnswer.level)
        .where(ApplicationAnswer.application_id.in_(ids), ApplicationAnswer.level.is_not(None))
    ).all() if ids else []
    return pd.DataFrame(rows, columns=["assessment_id", "criterion_id", "level"])


@dataclass
class PanelFigures:
    """What the engine says about one application."""

    result: pd.Series | None  # score_panel's row, or None without submitted reviews
    table: pd.DataFrame  # panel_table rows of this application, indexed by criterion_id
    ratings: pd.DataFrame
    ratings_hash: str


def panel_figures(application: Application,
                  engine_version: str | None = scoring.ENGINE_VERSION) -> PanelFigures:
    """The figures by the rule of ``engine_version`` (the current engine unless a recorded
    decision names an earlier one: see ``verify_decisions``)."""
    version = application.competition.rubric_version
    ratings = ratings_frame([application.id])
    criteria = criteria_frame(version)
    if ratings.empty:
        return PanelFigures(None, pd.DataFrame(), ratings, scoring.ratings_digest(ratings))
    result = scoring.score_panel(ratings, criteria, pass_threshold=version.pass_threshold,
                                 floor=scoring.floor_for(engine_version, version.floor_level))
    table = scoring.panel_table(ratings, criteria, self_frame([application.id]))
    return PanelFigures(
        result.loc[application.id],
        table.xs(application.id, level="assessment_id"),
        ratings,
        scoring.ratings_digest(ratings),
    )


def panel_band(application: Application, figures: PanelFigures) -> str | None:
    """The award band the engine finds from the panel's score and mean levels (None: the
    rubric version has no bands, or none is reached)."""
    version = application.competition.rubric_version
    if figures.result is None or not version.bands:
        return None
    codes = {c.id: c.code for c in version.criteria}
    levels = {codes[i]: float(m) for i, m in figures.table["mean"].items() if i in codes}
    return scoring.award_band(float(figures.result["score"]), levels, version.bands)


def panel_result(application: Application) -> pd.Series | None:
    return panel_figures(application).result


@dataclass
class CompetitionFigures:
    criteria: pd.DataFrame
    ratings: pd.DataFrame
    results: pd.DataFrame  # score_panel, indexed by assessment_id
    panel: pd.DataFrame  # panel_table
    severity: pd.DataFrame
    reliability: pd.DataFrame  # α with the sample it rests on and its bootstrap interval
    load: pd.DataFrame  # per reviewer: assigned, submitted


def competition_figures(competition: Competition, branch_ids: set[int] | None = None,
                        hidden: set[int] | frozenset[int] = frozenset()) -> CompetitionFigures:
    """The competition's figures; ``branch_ids`` limits them to those branches' applications,
    and the ``hidden`` ones are left out (see permissions.hidden_application_ids)."""
    version = competition.rubric_version
    application_ids = [a.id for a in competition.applications
                       if (branch_ids is None or a.branch_id in branch_ids)
                       and a.id not in hidden]
    criteria = criteria_frame(version)
    ratings = ratings_frame(application_ids)
    load_rows = db.session.execute(
        sa.select(Review.reviewer_id,
                  sa.func.count(Review.id),
                  sa.func.count(Review.submitted_at))
        .where(Review.application_id.in_(application_ids) if application_ids else sa.false())
        .group_by(Review.reviewer_id)
    ).all()
    load = pd.DataFrame(load_rows, columns=["reviewer_id", "assigned", "submitted"]).set_index(
        "reviewer_id")
    if ratings.empty:
        empty = pd.DataFrame()
        return CompetitionFigures(criteria, ratings, empty, empty, empty, empty, load)
    return CompetitionFigures(
        criteria=criteria,
        ratings=ratings,
        results=scoring.score_panel(ratings, criteria, pass_threshold=version.pass_threshold,
                                    floor=version.floor_level),
        panel=scoring.panel_table(ratings, criteria, self_frame(application_ids)),
        severity=scoring.reviewer_severity(ratings, criteria),
        reliability=scoring.interrater_reliability(ratings, criteria).join(
            scoring.alpha_intervals(ratings, criteria)),
        load=load,
    )


@dataclass(frozen=True)
class Mismatch:
    decision_id: int
    application_id: int
    problem: str


def verify_decisions() -> tuple[int, list[Mismatch]]:
    """Recompute every stored decision from the ratings and rubric it names.

    Returns the number of decisions checked and each disagreement: a changed rubric version
    (its content no longer hashes to the hash recorded), changed ratings (their digest differs),
    or a different score or recommendation. Each decision is recomputed by the rule of the
    engine version it records (engine 1.0 had no floor).
    """
    mismatches: list[Mismatch] = []
    decisions = db.session.scalars(sa.select(Decision).order_by(Decision.id)).all()
    for decision in decisions:
        application = decision.application
        version = application.competition.rubric_version

        def report(problem: str, decision=decision) -> None:
            mismatches.append(Mismatch(decision.id, decision.application_id, problem))

        if decision.rubric_content_hash and version_hash(version) != decision.rubric_content_hash:
            report("rubric version content does not match the recorded hash")
        figures = panel_figures(application, decision.engine_version)
        if decision.ratings_hash and figures.ratings_hash != decision.ratings_hash:
            report("ratings differ from those the decision was computed from")
        if decision.score is not None:
            if figures.result is None or pd.isna(figures.result["score"]):
                report("the score can no longer be computed")
            elif abs(float(figures.result["score"]) - decision.score) > 1e-6:
                report(f"score {decision.score:.4f} recomputes as "
                       f"{float(figures.result['score']):.4f}")
            elif decision.recommended is not None and (
                bool(figures.result["recommended"]) != decision.recommended
            ):
                report("the recommendation recomputes differently")
        for problem in _band_mismatches(decision, figures):
            report(problem)
    return len(decisions), mismatches


def _band_mismatches(decision: Decision, figures: PanelFigures) -> list[str]:
    """An award's band as recorded on the decision and printed on its certificate, against the
    band the engine finds again (engines before 1.1 decided no bands: nothing to compare)."""
    if decision.outcome != Outcome.award or not scoring.decides_bands(decision.engine_version):
        return []
    problems = []
    recomputed = panel_band(decision.application, figures)
    if decision.band != recomputed:
        problems.append(f"band {decision.band or 'none'} recomputes as {recomputed or 'none'}")
    certificate = db.session.execute(sa.select(Certificate.band).where(
        Certificate.application_id == decision.application_id)).first()
    if certificate is not None and certificate.band != decision.band:
        problems.append(f"the certificate's band {certificate.band or 'none'} differs from the "
                        f"decision's {decision.band or 'none'}")
    return problems


def annual_report(year: int, branch_ids: set[int] | None = None) -> dict[str, pd.DataFrame]:
    """The centre's annual figures: decisions of the year by track and outcome, by university
    and by country, and the certificates issued, each as a table of counts."""
    start, end = (pd.Timestamp(year, 1, 1, tz="UTC").to_pydatetime(),
                  pd.Timestamp(year + 1, 1, 1, tz="UTC").to_pydatetime())
    query = (
        sa.select(Rubric.track, Decision.outcome, User.affiliation, User.country,
                  Branch.code.label("branch"))
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .join(Competition, Competition.id == Application.competition_id)
        .join(RubricVersion, RubricVersion.id == Competition.rubric_version_id)
        .join(Rubric, Rubric.id == RubricVersion.rubric_id)
        .join(User, User.id == Application.candidate_id)
        .join(Branch, Branch.id == Application.branch_id)
        .where(Decision.decided_at >= start, Decision.decided_at < end)
    )
    if branch_ids is not None:
        query = query.where(Application.branch_id.in_(branch_ids))
    decisions = pd.DataFrame(db.session.execute(query).all(),
                             columns=["track", "outcome", "university", "country", "branch"])
    decisions["outcome"] = decisions["outcome"].map(str)  # the columns' names: "award", ...
    outcomes = [outcome.value for outcome in Outcome]

    def counts(by: list[str]) -> pd.DataFrame:
        if decisions.empty:
            return pd.DataFrame(columns=[*by, *outcomes, "total"])
        table = pd.crosstab([decisions[c] for c in by], decisions["outcome"])
        for outcome in outcomes:
            if outcome not in table.columns:
                table[outcome] = 0
        table = table.loc[:, outcomes]
        table["total"] = table.sum(axis=1)
        return table.reset_index().rename_axis(columns=None)

    certificates_query = (
        sa.select(Certificate.track, Branch.code, Certificate.revoked_at.is_not(None))
        .join(Branch, Branch.id == Certificate.branch_id)
        .where(Certificate.year == year)
    )
    if branch_ids is not None:
        certificates_query = certificates_query.where(Certificate.branch_id.in_(branch_ids))
    certificates = pd.DataFrame(db.session.execute(certificates_query).all(),
                                columns=["track", "branch", "revoked"])
    if certificates.empty:
        issued = pd.DataFrame(columns=["track", "branch", "issued", "revoked"])
    else:
        issued = certificates.groupby(["track", "branch"]).agg(
            issued=("revoked", "size"), revoked=("revoked", "sum")).reset_index()
        issued["revoked"] = issued["revoked"].astype(int)
    return {
        "summary": counts(["track"]),
        "by_university": counts(["university", "track"]),
        "by_country": counts(["country", "track"]),
        "certificates": issued,
    }
