"""The thin shell around the scoring engine: rows from the database in, DataFrames out.

Every figure shown or stored comes from ``assessments.scoring`` (and ``reliability``); this
module only loads the submitted reviews, the self-assessments (for a candidate's result and
the panel export; the competition's analytics read none) and the rubric into their tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from itertools import chain

import numpy as np
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
from assessments.reliability import reliability_table
from assessments.states import Outcome, ReviewState
from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.users.models import Branch, User
from rubrics.models import Criterion, Rubric, RubricVersion

RATING_COLUMNS = list(scoring.RATING_COLUMNS)


def _packed(connection: sa.Connection, query: sa.Select) -> np.ndarray:
    """Every value of ``query``'s rows, row after row, from one bytea the database builds:
    each pair of values as one 8-byte big-endian integer (the first in the high half, the
    second masked into the low half), a last odd one by itself, so the client reads one string
    instead of making a Python integer of each value (288,000 ratings at 100×: 0.35–0.42 s →
    ~0.2 s; packing four values apiece cost the server 176 ms, two pairs 131). Every value
    passes through ``integer`` first, so one beyond 32 bits fails loudly ("integer out of
    range"), and a NULL (which would drop its row from the string) raises here. The rows'
    order is lost: for frames the engine groups anyway."""
    rows = query.subquery()
    columns = [sa.cast(column, sa.Integer) for column in rows.c]
    wide = [sa.cast(column, sa.BigInteger) for column in columns]
    pieces = [sa.func.int8send(high.op("<<")(sa.literal_column("32")).op("|")(
                  low.op("&")(sa.literal_column("4294967295"))))
              for high, low in zip(wide[::2], wide[1::2], strict=False)]
    if len(columns) % 2:
        pieces.append(sa.func.int4send(columns[-1]))
    packed = reduce(lambda left, right: left.op("||")(right), pieces)
    blob, count = connection.execute(sa.select(
        sa.func.string_agg(packed, sa.literal_column("''::bytea")), sa.func.count())).one()
    values = np.frombuffer(blob or b"", dtype=">i4").astype(np.int64)
    if len(values) != count * len(columns):
        raise ValueError("an integer frame's query gave a NULL")
    return values


def query_frame(query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a frame, in one statement. The rows are turned into plain tuples
    first: pandas inspects each SQLAlchemy ``Row`` as a possible mapping, which costs more than
    the query."""
    return pd.DataFrame([tuple(row) for row in db.session.execute(query)], columns=columns)


def integer_frame(query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """A query of integer columns (no NULLs) as an int64 frame, in one statement, in no
    particular order. On PostgreSQL the database packs every value into one binary string
    (``_packed``); elsewhere the driver's rows go straight into numpy: integers need none of
    SQLAlchemy's result processing, and making a ``Row`` of each cost more than the query
    (288,000 ratings at 100×: 240 ms against 440); read as one flat stream of values, not as
    rows (``np.array`` of the tuples took twice as long: 80 ms against 40)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        values = _packed(connection, query)
        return pd.DataFrame(values.reshape(-1, len(columns)), columns=columns)
    result = connection.execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    values = np.fromiter(chain.from_iterable(rows), dtype=np.int64,
                         count=len(rows) * len(columns))
    return pd.DataFrame(values.reshape(len(rows), len(columns)), columns=columns)


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
    disagreements: pd.DataFrame  # the cells whose reviewers lie two levels apart or more
    severity: pd.DataFrame
    reliability: pd.DataFrame  # α with the sample it rests on and its bootstrap interval
    load: pd.DataFrame  # per reviewer: assigned, submitted


def application_scope(competition: Competition, branch_ids: set[int] | None = None,
                      hidden: set[int] | frozenset[int] = frozenset()) -> list:
    """The conditions on ``Application`` that pick a competition's applications in the
    ``branch_ids`` (None: all) without the ``hidden`` ones: every data set below is one query
    with them, whatever the number of applications."""
    scope = [Application.competition_id == competition.id]
    if branch_ids is not None:
        scope.append(Application.branch_id.in_(branch_ids))
    if hidden:
        scope.append(Application.id.not_in(hidden))
    return scope


def _scoped_ratings(scope: list) -> sa.Select:
    """The submitted ratings of the applications in ``scope``: the scope's submitted reviews
    first (materialised on PostgreSQL), then their scores by review. Left to plan the join
    itself, PostgreSQL hashed all of ``review_scores`` (720,000 rows at 100×) to keep the
    288,000 of one competition: 230 ms, against 90 through the review index."""
    reviews = (sa.select(Review.id, Review.application_id, Review.reviewer_id)
               .join(Application, Application.id == Review.application_id)
               .where(*scope, Review.state == ReviewState.submitted)
               .cte("scoped_reviews").prefix_with("MATERIALIZED", dialect="postgresql"))
    return (sa.select(reviews.c.application_id, reviews.c.reviewer_id, ReviewScore.criterion_id,
                      ReviewScore.level)
            .join(ReviewScore, ReviewScore.review_id == reviews.c.id)
            .where(ReviewScore.level.is_not(None)))


def count_ratings(scope: list) -> int:
    """How many submitted ratings ``scope`` holds: the size of an export, in one query."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        _scoped_ratings(scope).subquery())) or 0


def scoped_ratings_frame(scope: list) -> pd.DataFrame:
    """``ratings_frame`` of the applications in ``scope``, in one query."""
    return integer_frame(_scoped_ratings(scope), RATING_COLUMNS)


def scoped_self_frame(scope: list) -> pd.DataFrame:
    return integer_frame(
        sa.select(ApplicationAnswer.application_id, ApplicationAnswer.criterion_id,
                  ApplicationAnswer.level)
        .join(Application, Application.id == ApplicationAnswer.application_id)
        .where(*scope, ApplicationAnswer.level.is_not(None)),
        ["assessment_id", "criterion_id", "level"])


def figures_fingerprint(scope: list) -> str:
    """What every figure of ``scope`` (``competition_figures``: the reviews and their ratings;
    no self-assessment) is computed from, summed up in one statement: the reviews' count and
    sums weighted by each row's id. The ratings are summed up by their reviews: a submitted
    review's ratings change only by reopening it, and every change to a review or to one of
    its scores moves the review's version (``assessments.review_versions``), so a review
    assigned, submitted, reopened, reassigned or re-rated changes it. Figures kept under it are
    recomputed on the first request after any change made through the application; a rating
    changed by hand in the database shows when the kept figures end (COMPUTED_CACHE_SECONDS).
    One pass over the reviews instead of their 288,000 ratings at 100×: 26 ms, was 108."""
    reviews = db.session.execute(
        sa.select(sa.func.count(Review.id), sa.func.count(Review.submitted_at),
                  sa.func.coalesce(sa.func.sum(Review.reviewer_id * Review.id), 0),
                  sa.func.coalesce(sa.func.sum(Review.version * Review.id), 0))
        .join(Application, Application.id == Review.application_id)
        .where(*scope)
    ).one()
    return ":".join(str(int(value)) for value in reviews)


def iter_ratings(scope: list, batch: int = 1000) -> Iterator[tuple[int, int, int, str, int]]:
    """Every submitted rating in ``scope`` with its criterion's code, read ``batch`` rows at a
    time (a server-side cursor on PostgreSQL): what the ratings export writes as it reads."""
    ratings = _scoped_ratings(scope)
    application, reviewer, criterion, _level = ratings.selected_columns
    query = (ratings.add_columns(Criterion.code)
             .join(Criterion, Criterion.id == criterion)
             .order_by(application, reviewer, criterion)
             .execution_options(yield_per=batch))
    for application_id, reviewer_id, criterion_id, level, code in db.session.execute(query):
        yield application_id, reviewer_id, criterion_id, code, level


def scoped_results(competition: Competition, ratings: pd.DataFrame,
                   criteria: pd.DataFrame) -> pd.DataFrame:
    version = competition.rubric_version
    return scoring.score_panel(ratings, criteria, pass_threshold=version.pass_threshold,
                               floor=version.floor_level)


def competition_figures(competition: Competition, branch_ids: set[int] | None = None,
                        hidden: set[int] | frozenset[int] = frozenset()) -> CompetitionFigures:
    """The competition's figures; ``branch_ids`` limits them to those branches' applications,
    and the ``hidden`` ones are left out (see permissions.hidden_application_ids). One query
    per data set (ratings, load), the engine on the frames."""
    scope = application_scope(competition, branch_ids, hidden)
    criteria = criteria_frame(competition.rubric_version)
    ratings = scoped_ratings_frame(scope)
    load_rows = db.session.execute(
        sa.select(Review.reviewer_id,
                  sa.func.count(Review.id),
                  sa.func.count(Review.submitted_at))
        .join(Application, Application.id == Review.application_id)
        .where(*scope)
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
        results=scoped_results(competition, ratings, criteria),
        disagreements=scoring.disagreements(ratings, criteria),
        severity=scoring.reviewer_severity(ratings, criteria),
        reliability=reliability_table(ratings, criteria),
        load=load,
    )


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
