"""Staff's figures: a competition's analytics and exports, and the centre's annual report."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments import (
    analytics_refresh,  # noqa: F401 - keeps the figures ready after a change
    reliability,
    review_versions,  # noqa: F401 - a review's version moves with its scores
    scoring,
)
from assessments.analytics import annual_report as annual_figures
from assessments.analytics import application_scope
from assessments.analytics_page import RESULTS_LIST, analytics_figures, results_controls
from assessments.blueprint import bp
from assessments.models import Application
from assessments.operations.issuing import awarded_without_certificate, start_issuing
from assessments.permissions import hidden_application_ids
from assessments.queries import candidate_names, people_by_id
from assessments.readable_exports import readable
from assessments.report_jobs import (
    ANNUAL_REPORT,
    COMPETITION_EXPORT,
    export_file_name,
    export_job_rows,
    export_size,
)
from assessments.reports import (
    EXPORT_KINDS,
    annual_report_sheets,
    export_rows,
)
from assessments.views.loaders import analytics_scope_or_404, report_scope_or_404
from certify.core import jobs
from certify.core.forms import ActionForm, require_action_form
from certify.core.i18n import current_language
from certify.core.listing import paginate_records
from certify.core.tabular import csv_response, iter_csv, xlsx_response


@bp.get("/manage/competitions/<int:competition_id>/analytics")
@login_required
def analytics(competition_id: int):
    """The figures are kept ready per state of the data (assessments/analytics_page.py); the
    results table shows a page of them, with the names of that page's candidates only."""
    competition, branches = analytics_scope_or_404(competition_id)
    hidden = hidden_application_ids(current_user, competition)
    summary, charts = analytics_figures(competition, branches, hidden)
    results = paginate_records(summary.results, RESULTS_LIST)
    criteria = competition.rubric_version.criteria
    shown = [row["assessment_id"] for row in results.items]
    return render_template(
        "assessments/analytics.html", competition=competition, summary=summary,
        results=results, result_controls=results_controls(), criteria=criteria,
        people=people_by_id([row["reviewer_id"] for row in summary.load + summary.severity]),
        names=candidate_names([*application_scope(competition, branches, hidden),
                               Application.id.in_(shown)]),
        disagreements=sum(1 for row in summary.results if row["disagreement"]),
        histogram=charts.histogram, box_plots=charts.box_plots, scoped=branches is not None,
        codes={c.id: c.code for c in criteria},
        min_alpha_applications=reliability.MIN_ALPHA_APPLICATIONS,
        min_severity_reviews=scoring.MIN_SEVERITY_REVIEWS,
        not_issued=(len(awarded_without_certificate(competition.id))
                    if current_user.is_admin else 0),
        action_form=ActionForm(),
    )


@bp.get("/manage/competitions/<int:competition_id>/export/<kind>.<fmt>")
@login_required
def export(competition_id: int, kind: str, fmt: str):
    """The file streams: CSV rows as they are read, XLSX from a temporary file. One of more
    than EXPORT_JOB_ROWS ratings gets a page offering to prepare it in the background."""
    competition, branches, hidden = _export_scope(competition_id, kind, fmt)
    language = current_language() if request.args.get("for") == "people" else None
    size = export_size(competition, branches, hidden)
    filename = export_file_name(competition.id, kind, fmt, language)
    if size > export_job_rows():
        return render_template("assessments/export_job.html", competition=competition,
                               kind=kind, fmt=fmt, size=size, filename=filename,
                               for_people=language is not None, action_form=ActionForm())
    header, rows = export_rows(competition, kind, branches, hidden)
    if language:  # headers and words in the exporter's language
        header, rows = readable(competition, header, rows)
    if fmt == "csv":
        return csv_response(iter_csv(header, rows), filename)
    return xlsx_response({kind: (header, rows)}, filename)


@bp.post("/manage/competitions/<int:competition_id>/export/<kind>.<fmt>/prepare")
@login_required
def prepare_export(competition_id: int, kind: str, fmt: str):
    """A large export as a background job: its page shows the progress, then the download
    (for the one who asked only)."""
    competition, branches, hidden = _export_scope(competition_id, kind, fmt)
    require_action_form()
    language = current_language() if request.args.get("for") == "people" else None
    job = jobs.start(COMPETITION_EXPORT, owner_id=current_user.id,
                     title=_("Export %(file)s",
                             file=export_file_name(competition.id, kind, fmt, language)),
                     params={"competition_id": competition.id, "kind": kind, "fmt": fmt,
                             "branches": None if branches is None else sorted(branches),
                             "hidden": sorted(hidden), "language": language})
    return redirect(url_for("main.job", job_id=job.id))


def _export_scope(competition_id: int, kind: str, fmt: str):
    competition, branches = analytics_scope_or_404(competition_id)
    if kind not in EXPORT_KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    return competition, branches, hidden_application_ids(current_user, competition)


@bp.post("/manage/competitions/<int:competition_id>/issue-awarded")
@login_required
def issue_awarded(competition_id: int):
    """Administrators issue, as a job, every final award's certificate not yet issued; its
    page shows the progress, then a summary file. Nothing left to issue: nothing happens."""
    if not current_user.is_admin:
        abort(403)
    competition, _branches = analytics_scope_or_404(competition_id)
    require_action_form()
    job = start_issuing(competition.id, by=current_user)
    return redirect(url_for("main.job", job_id=job.id))


@bp.get("/manage/reports/annual")
@login_required
def annual_report():
    year, branches = report_scope_or_404()
    return render_template("assessments/annual_report.html", year=year,
                           report=annual_figures(year, branches), scoped=branches is not None,
                           action_form=ActionForm())


@bp.get("/manage/reports/annual.xlsx")
@login_required
def annual_report_xlsx():
    year, branches = report_scope_or_404()
    return xlsx_response(annual_report_sheets(year, branches),
                         f"certify-annual-report-{year}.xlsx")


@bp.post("/manage/reports/annual/prepare")
@login_required
def prepare_annual_report():
    """The workbook as a background job: its page shows the progress, then the download."""
    year, branches = report_scope_or_404()
    require_action_form()
    job = jobs.start(ANNUAL_REPORT, owner_id=current_user.id,
                     title=_("Annual report %(year)d", year=year),
                     params={"year": year, "language": current_language(),
                             "branches": None if branches is None else sorted(branches)})
    return redirect(url_for("main.job", job_id=job.id))
