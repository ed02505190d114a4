"""What the result, analytics and report pages and their downloads show, built from the
engine's figures (``assessments.analytics``): rows, charts and tables. Views only render them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _

from assessments import charts, scoring
from assessments.analytics import (
    annual_report,
    application_scope,
    criteria_frame,
    iter_ratings,
    panel_figures,
    scoped_ratings_frame,
    scoped_results,
    scoped_self_frame,
)
from assessments.models import Application, Competition, Decision, Review
from assessments.readable_exports import readable_annual_report
from assessments.states import FINAL_MODERATION
from certify.core.extensions import db
from certify.core.i18n import localized
from rubrics.models import Criterion

EXPORT_KINDS = ("ratings", "panel", "results")
DEFAULT_MAX_LEVEL = 4


def max_level(criteria: list[Criterion]) -> int:
    return max((c.max_level for c in criteria), default=DEFAULT_MAX_LEVEL)


@dataclass
class CandidateResult:
    """The candidate's result page: per criterion their level beside the panel's."""

    rows: list[dict]  # criterion, self, panel (mean), gap, claim
    result: pd.Series | None  # the engine's verdict, None without submitted reviews
    chart: str | None  # the radar chart as a data: URI
    reviewers: list[tuple[int, Review]]  # numbered: the candidate sees what, not who


def candidate_result(application: Application) -> CandidateResult:
    criteria = application.competition.rubric_version.criteria
    figures = panel_figures(application)
    table = figures.table
    rows = []
    for criterion in criteria:
        answer = application.answer_for(criterion)
        has_panel = criterion.id in table.index
        rows.append({
            "criterion": criterion,
            "self": answer.level if answer else None,
            "panel": float(table.loc[criterion.id, "mean"]) if has_panel else None,
            "gap": float(table.loc[criterion.id, "gap"]) if has_panel and not pd.isna(
                table.loc[criterion.id, "gap"]) else None,
            "claim": table.loc[criterion.id, "claim"] if has_panel else "",
        })
    chart = charts.data_uri(charts.radar(
        [c.code for c in criteria], [r["panel"] for r in rows], [r["self"] for r in rows],
        max_level=max_level(criteria), panel_label=_("Panel (mean of reviewers)"),
        self_label=_("Self-assessment"),
    )) if criteria else None
    return CandidateResult(rows, figures.result, chart,
                           list(enumerate(application.submitted_reviews, start=1)))


def feedback_frame(application: Application) -> pd.DataFrame:
    """Per criterion: self level, panel mean and what each (anonymous) reviewer gave and wrote."""
    table = panel_figures(application).table
    reviews = application.submitted_reviews
    rows = []
    for criterion in application.competition.rubric_version.criteria:
        answer = application.answer_for(criterion)
        row = {
            "criterion_code": criterion.code,
            "criterion": localized(criterion.title),
            "weight_percent": round(criterion.weight_percent(), 1),
            "self_level": answer.level if answer else None,
            "panel_mean": round(float(table.loc[criterion.id, "mean"]), 2)
            if criterion.id in table.index else None,
        }
        for number, review in enumerate(reviews, start=1):
            score = review.score_for(criterion)
            row[f"reviewer_{number}_level"] = score.level if score else None
            row[f"reviewer_{number}_comment"] = score.comment if score else ""
        rows.append(row)
    return pd.DataFrame(rows)


RATINGS_HEADER = ("assessment_id", "reviewer_id", "criterion_id", "criterion_code", "level")
DECISION_COLUMNS = ("outcome", "override", "confirmed")


EXPORT_CHUNK = 500  # applications per engine run in the panel and results files


def export_rows(competition: Competition, kind: str, branch_ids: set[int] | None,
                hidden: set[int]) -> tuple[list[str], Iterable[Sequence]]:
    """One of EXPORT_KINDS as a header and its rows, each criterion id followed by its code.
    Only what the file holds is computed: the ratings are read from the database in batches
    as they are written; the panel table and the results need the engine, run on the ratings
    of ``EXPORT_CHUNK`` applications at a time (each application's figures are its own, so
    the rows are the same as from one run; at 100× one run over 8,000 applications grew the
    job worker by 75–108 MB), never α, severity or charts. The results end with the decision
    taken on each application: its outcome, whether it awarded against the engine's
    recommendation, and whether that is final (not waiting for a second administrator)."""
    scope = application_scope(competition, branch_ids, hidden)
    if kind == "ratings":
        return list(RATINGS_HEADER), iter_ratings(scope)
    criteria = criteria_frame(competition.rubric_version)
    codes = criteria.set_index("criterion_id")["code"]
    build = _panel_frame if kind == "panel" else _results_frame

    def rows() -> Iterator[Sequence]:
        ids = list(db.session.scalars(sa.select(Application.id).where(*scope)
                                      .order_by(Application.id)))
        for start in range(0, len(ids), EXPORT_CHUNK):
            chunk = [*scope, Application.id.in_(ids[start:start + EXPORT_CHUNK])]
            ratings = scoped_ratings_frame(chunk)
            if not ratings.empty:
                yield from build(competition, chunk, ratings, criteria, codes).itertuples(
                    index=False, name=None)

    empty = build(competition, scope, pd.DataFrame(columns=list(scoring.RATING_COLUMNS)),
                  criteria, codes)
    return [str(c) for c in empty.columns], rows()


def _panel_frame(competition: Competition, scope: list, ratings: pd.DataFrame,
                 criteria: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    frame = (scoring.panel_table(ratings, criteria, scoped_self_frame(scope)).reset_index()
             if not ratings.empty else pd.DataFrame(
                 columns=["assessment_id", "criterion_id", *scoring.PANEL_COLUMNS]))
    frame.insert(2, "criterion_code", frame["criterion_id"].map(codes))
    return frame


def _results_frame(competition: Competition, scope: list, ratings: pd.DataFrame,
                   criteria: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    frame = (scoped_results(competition, ratings, criteria).reset_index()
             if not ratings.empty else pd.DataFrame(
                 columns=["assessment_id", *scoring.RESULT_COLUMNS]))
    taken = {} if ratings.empty else {
        application_id: (outcome, override, moderation)
        for application_id, outcome, override, moderation in db.session.execute(
            sa.select(Decision.application_id, Decision.outcome, Decision.override,
                      Decision.moderation)
            .join(Application, Application.id == Decision.application_id).where(*scope))}
    decisions = [taken.get(i) for i in frame["assessment_id"]]
    frame["outcome"] = [str(d[0]) if d else "" for d in decisions]
    frame["override"] = [bool(d and d[1]) for d in decisions]
    frame["confirmed"] = [bool(d and d[2] in FINAL_MODERATION) for d in decisions]
    frame["below_floor"] = frame["below_floor"].map(  # criterion ids -> their codes
        lambda ids: " ".join(str(codes.get(i, i)) for i in ids))
    return frame


def annual_report_sheets(year: int, branch_ids: set[int] | None) -> dict[str, pd.DataFrame]:
    """The annual report's tables as workbook sheets in the reader's language, named with the
    year (readable_exports.readable_annual_report)."""
    return readable_annual_report(annual_report(year, branch_ids), year)
