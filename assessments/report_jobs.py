"""The long reports, as background jobs (certify/core/jobs.py): the annual report's workbook.
The competition exports stream instead (assessments/views/reports.py)."""

from __future__ import annotations

from pathlib import Path

from assessments.reports import annual_report_sheets
from certify.core import jobs
from certify.core.tabular import to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ANNUAL_REPORT = "annual-report"


def annual_report_workbook(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    year = int(job.params["year"])
    branches = job.params.get("branches")
    progress(0, 2)
    sheets = annual_report_sheets(year, None if branches is None else set(branches))
    progress(1, 2)
    output.write_bytes(to_xlsx(sheets))
    progress(2, 2)
    return f"certify-annual-report-{year}.xlsx", XLSX


jobs.register(ANNUAL_REPORT, annual_report_workbook)
