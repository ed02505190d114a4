"""A long list of numbers checked in the background (certify/core/jobs.py): above
VERIFY_JOB_ROWS numbers the bulk page and the API queue the check instead of answering at once,
and whoever sent the list gets the CSV of results through a link with the job's token, the only
key to it (issue 17)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _

from certify.certificates.bulk import (
    CSV_COLUMNS,
    bulk_results,
    certificate_summary,
    readable_header,
    readable_rows,
    result_rows,
)
from certify.core import jobs
from certify.core.tabular import CSV_CONTENT_TYPE, iter_csv

BULK_VERIFY = "bulk-verify"
CHUNK = 500  # numbers looked up per query
RESULTS_NAME = "certificate-check.csv"


def check_numbers(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    """The CSV of results, written a chunk of numbers at a time, the progress with it."""
    numbers: list[str] = job.params["numbers"]
    language = job.params.get("language")  # None: the machine-readable file (the API's)
    to_rows = readable_rows if language else result_rows
    total = len(numbers)
    progress(0, total)

    def rows():
        for start in range(0, total, CHUNK):
            yield from to_rows(bulk_results(numbers[start:start + CHUNK], certificate_summary))
            progress(min(start + CHUNK, total), total)

    with force_locale(language or "en"), output.open("wb") as file:
        for chunk in iter_csv(readable_header() if language else CSV_COLUMNS, rows()):
            file.write(chunk)
    return RESULTS_NAME, CSV_CONTENT_TYPE


def start_check(numbers: list[str], *, owner_id: int | None = None,
                language: str | None = None) -> tuple[jobs.BackgroundJob, str]:
    """Queue the check of ``numbers``; returns the job and its token (to put in its link).
    ``language``: results for people in that language (the page's); None: for machines."""
    token = jobs.new_token()
    params = {"numbers": numbers, **({"language": language} if language else {})}
    job = jobs.start(BULK_VERIFY, owner_id=owner_id, token=token, params=params,
                     total=len(numbers),
                     title=_("Check of %(count)d certificate numbers", count=len(numbers)))
    return job, token


def check_by_token(token: str) -> jobs.BackgroundJob | None:
    """The check this token opens, while its link is valid."""
    job = jobs.job_by_token(token)
    return job if job is not None and job.kind == BULK_VERIFY else None


jobs.register(BULK_VERIFY, check_numbers)
