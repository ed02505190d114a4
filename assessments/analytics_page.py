"""The competition analytics page's figures, tables and charts, kept ready (issue 17).

Computing them reads every submitted rating of the competition (720,000 at 100× a real call)
and runs the engine, α and its bootstrap: seconds. So the result is kept in Redis under a
fingerprint of the data (``analytics.figures_fingerprint``: one aggregate statement over the
reviews) and the scope it was computed for (branches, hidden applications): the first request
after any change recomputes it, every other request reads it; with a job queue, a change
queues that recomputation ahead of the request (assessments/analytics_refresh.py). The charts
are kept the same way per language, from the summary alone (the scores and each criterion's
count per level), so a second language costs a drawing, not the ratings again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from flask_babel import get_locale
from flask_babel import gettext as _

from assessments import charts
from assessments.analytics import application_scope, competition_figures, figures_fingerprint
from assessments.models import Competition
from assessments.reports import max_level
from certify.core.computed_cache import remembered
from certify.core.listing import Filter, FilterControl, ListSpec, one_of


def _flag(key: str, true_value: str) -> Filter:
    return Filter(one_of(true_value, "no"),
                  lambda value: lambda row: bool(row[key]) == (value == true_value))


# The results table: sorted and filtered on the summary's rows, a page at a time.
RESULTS_LIST = ListSpec(
    sorts={"score": "score", "reviewers": "n_reviewers", "application": "assessment_id"},
    default_sort="-score",
    filters={"recommended": _flag("recommended", "yes"),
             "disagreement": _flag("disagreement", "yes"),
             "gates": _flag("gates_passed", "yes")},
    tiebreak="assessment_id",
)


def results_controls() -> list[FilterControl]:
    yes_no = [("yes", _("yes")), ("no", _("no"))]
    return [FilterControl("recommended", _("Recommendation"),
                          [("yes", _("award")), ("no", _("do not award"))]),
            FilterControl("gates", _("Must-pass criteria"),
                          [("yes", _("met")), ("no", _("not met"))]),
            FilterControl("disagreement", _("Disagreement"), yes_no)]


# Bump when the summary's shape changes, so entries of the old shape are never read.
SUMMARY_FORMAT = 1


@dataclass
class AnalyticsSummary:
    """Everything the page shows, as plain JSON-able rows."""

    results: list[dict]  # assessment_id, the engine's RESULT_COLUMNS, disagreements
    reliability: list[dict]  # criterion_id, α, its sample and interval
    severity: list[dict]  # reviewer_id and SEVERITY_COLUMNS
    load: list[dict]  # reviewer_id, assigned, submitted
    scores: list[float]  # the weighted scores, for the histogram
    level_counts: dict[str, dict[str, int]]  # criterion id -> level -> ratings, for box plots

    @property
    def empty(self) -> bool:
        return not self.results


@dataclass
class AnalyticsCharts:
    histogram: str | None  # weighted scores against the pass threshold (data: URI)
    box_plots: str | None  # reviewers' levels per criterion (data: URI)


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.reset_index().to_dict("records") if not frame.empty else []


def _disagreements(results: pd.DataFrame, apart: pd.DataFrame) -> dict[int, list[list[int]]]:
    """Per flagged application, its criteria whose reviewers are two or more levels apart
    (``apart``: scoring.disagreements): [criterion id, lowest, highest]."""
    flagged = results.index[results["disagreement"].astype(bool)]
    assessments = apart.index.get_level_values("assessment_id").to_numpy()
    # Sorted by application: each one's cells are one slice of a single list made by numpy
    # (a loop over the rows took 180 ms at 100×).
    rows = np.column_stack([apart.index.get_level_values("criterion_id").to_numpy(),
                            apart["min"].to_numpy(), apart["max"].to_numpy()]).astype(
        np.int64).tolist()
    cells: dict[int, list[list[int]]] = {int(a): [] for a in flagged}
    if rows:
        starts = np.flatnonzero(np.r_[True, assessments[1:] != assessments[:-1]])
        for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(rows)], strict=True):
            cells[int(assessments[start])] = rows[start:end]
    return cells


def _summarise(competition: Competition, branch_ids: set[int] | None,
               hidden: Iterable[int]) -> dict:
    figures = competition_figures(competition, branch_ids, set(hidden))
    load = _records(figures.load)
    if figures.results.empty:
        return vars(AnalyticsSummary([], [], [], load, [], {}))
    cells = _disagreements(figures.results, figures.disagreements)
    results = _records(figures.results)
    for row in results:
        row["cells"] = cells.get(int(row["assessment_id"]), [])
        # JSON-native, as the kept one reads: a list of ints, not a tuple of numpy's.
        row["below_floor"] = [int(criterion) for criterion in row["below_floor"]]
    counts = figures.ratings.groupby(["criterion_id", "level"]).size()
    level_counts: dict[str, dict[str, int]] = {}
    for (criterion, level), count in counts.items():
        level_counts.setdefault(str(criterion), {})[str(level)] = int(count)
    # vars, not asdict: the rows are plain already, and asdict's deep copy of 300,000 values
    # took half a second at 100×.
    return vars(AnalyticsSummary(
        results=results, reliability=_records(figures.reliability),
        severity=_records(figures.severity), load=load,
        scores=figures.results["score"].dropna().astype(float).tolist(),
        level_counts=level_counts))


def _draw(competition: Competition, summary: AnalyticsSummary) -> dict:
    criteria = competition.rubric_version.criteria
    histogram = charts.data_uri(charts.histogram(
        summary.scores, threshold=competition.rubric_version.pass_threshold,
        xlabel=_("Weighted score (%)"), ylabel=_("Applications"),
        threshold_label=_("Pass threshold")))
    box_plots = charts.data_uri(charts.box_plots(
        [c.code for c in criteria],
        [{int(level): count for level, count in summary.level_counts.get(str(c.id), {}).items()}
         for c in criteria],
        max_level=max_level(criteria), ylabel=_("Level")))
    return {"histogram": histogram, "box_plots": box_plots}


def analytics_figures(competition: Competition, branch_ids: set[int] | None,
                      hidden: set[int]) -> tuple[AnalyticsSummary, AnalyticsCharts]:
    """The page's summary, and its charts in the page's language (none until a review is
    in), each computed once per state of the data."""
    scope = application_scope(competition, branch_ids, hidden)
    parts = ("analytics", SUMMARY_FORMAT, competition.id, competition.rubric_version_id,
             sorted(branch_ids) if branch_ids is not None else None, sorted(hidden),
             figures_fingerprint(scope))
    summary = AnalyticsSummary(**remembered(
        parts, lambda: _summarise(competition, branch_ids, hidden), json_native=True))
    if summary.empty:
        return summary, AnalyticsCharts(None, None)
    drawn = remembered((*parts, "charts", str(get_locale())), lambda: _draw(competition, summary),
                       json_native=True)
    return summary, AnalyticsCharts(**drawn)
