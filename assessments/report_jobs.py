"""The long reports, as background jobs (certify/core/jobs.py): the annual report's workbook,
and a competition's export when it holds more than EXPORT_JOB_ROWS ratings (smaller ones stream
in the request, assessments/views/reports.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from assessments.analytics import application_scope, count_ratings
from assessments.models import Competition
from assessments.readable_exports import readable
from assessments.reports import annual_report_sheets, export_rows
from certify.core import jobs
from certify.core.extensions import db
from certify.core.tabular import CSV_CONTENT_TYPE, XLSX, iter_csv, to_xlsx, write_xlsx

ANNUAL_REPORT = "annual-report"
COMPETITION_EXPORT = "competition-export"
PROGRESS_EVERY = 1000  # rows between two progress updates


def annual_report_workbook(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    year = int(job.params["year"])
    branches = job.params.get("branches")
    progress(0, 2)
    with force_locale(job.params.get("language") or "en"):  # the asker's language
        sheets = annual_report_sheets(year, None if branches is None else set(branches))
    progress(1, 2)
    output.write_bytes(to_xlsx(sheets))
    progress(2, 2)
    return f"certify-annual-report-{year}.xlsx", XLSX


def export_size(competition: Competition, branches: set[int] | None, hidden: set[int]) -> int:
    """The ratings an export holds; above EXPORT_JOB_ROWS it is prepared as a job."""
    return count_ratings(application_scope(competition, branches, hidden))


def export_job_rows() -> int:
    return int(current_app.config.get("EXPORT_JOB_ROWS", 5000))


def export_file_name(competition_id: int, kind: str, fmt: str, language: str | None) -> str:
    """``language``: the file for people, in that language (None: the machine-readable one)."""
    suffix = f"-{language}" if language else ""
    return f"competition-{competition_id}-{kind}{suffix}.{fmt}"


def _counted(rows: Iterable[Sequence], progress: Callable, total: int | None) -> Iterator:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
    progress(done, total if total is not None else done)


def competition_export(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    """The same file the export link gives, written as its rows are read (certify/core/tabular:
    CSV chunks, openpyxl's write-only XLSX), in the language of whoever asked for it."""
    params = job.params
    competition = db.get_or_404(Competition, params["competition_id"])
    branches = None if params["branches"] is None else set(params["branches"])
    hidden = set(params["hidden"])
    kind, fmt, language = params["kind"], params["fmt"], params.get("language")
    total = (count_ratings(application_scope(competition, branches, hidden))
             if kind == "ratings" else None)
    progress(0, total)
    with force_locale(language or "en"):
        header, rows = export_rows(competition, kind, branches, hidden)
        if language:
            header, rows = readable(competition, header, rows)
        rows = _counted(rows, progress, total)
        with output.open("wb") as file:
            if fmt == "csv":
                for chunk in iter_csv(header, rows):
                    file.write(chunk)
            else:
                write_xlsx({kind: (header, rows)}, file)
    return (export_file_name(competition.id, kind, fmt, language),
            CSV_CONTENT_TYPE if fmt == "csv" else XLSX)


jobs.register(ANNUAL_REPORT, annual_report_workbook)
jobs.register(COMPETITION_EXPORT, competition_export)
