"""Background jobs (certify/core/jobs.py) on a real RQ queue in Redis: the annual report's
workbook prepared by a worker, its page and download for the one who asked only, a job queued
while no worker runs done when one starts, and a failing job retried once (issue 17)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from assessments.report_jobs import ANNUAL_REPORT
from certify.core import jobs
from certify.core.extensions import db
from certify.core.jobs import BackgroundJob, JobState
from tests.support import login
from tests.support.job_kinds import FLAKY, WAITING


def job_of(in_app, job_id: int) -> BackgroundJob:
    def read():
        job = db.session.get(BackgroundJob, job_id)
        db.session.expunge(job)
        return job
    return in_app(read)


def prepare(client, year: int = 2026) -> int:
    answer = client.post(f"/manage/reports/annual/prepare?year={year}")
    assert answer.status_code == 302, answer.text
    return int(re.search(r"/jobs/(\d+)$", answer.headers["Location"]).group(1))


def test_without_a_queue_the_job_runs_at_once_and_its_owner_downloads_it(admin_client, in_app):
    job_id = prepare(admin_client)
    assert job_of(in_app, job_id).state == JobState.done
    page = admin_client.get(f"/jobs/{job_id}")
    assert "Ready." in page.text and 'http-equiv="refresh"' not in page.text
    download = admin_client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith("certify-annual-report-2026.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.data))
    download.close()
    assert workbook.sheetnames  # the annual report's sheets
    assert "Annual report 2026" in admin_client.get("/jobs/").text


def test_the_workbook_is_written_in_the_language_of_whoever_asked(app, create_user):
    """The job runs outside the request: it keeps the asker's language (issue 16)."""
    client = app.test_client()
    login(client, create_user("admin", language="kk"))
    job_id = prepare(client)
    download = client.get(f"/jobs/{job_id}/download")
    workbook = openpyxl.load_workbook(io.BytesIO(download.data))
    download.close()
    assert workbook.sheetnames == [
        "Атақтар бойынша шешімдер 2026", "ЖОО бойынша шешімдер 2026",
        "Елдер бойынша шешімдер 2026", "Берілген сертификаттар 2026"]


def test_a_job_is_its_owners_alone(app, admin_client, create_user, in_app):
    job_id = prepare(admin_client)
    for role in ("coordinator", "reviewer", "candidate"):
        other = app.test_client()
        login(other, create_user(role))
        assert other.get(f"/jobs/{job_id}").status_code == 404
        assert other.get(f"/jobs/{job_id}/download").status_code == 404
        assert "Annual report" not in other.get("/jobs/").text


def test_a_worker_prepares_the_job_queued_before_it_started(admin_client, runner, in_app,
                                                            job_queue):
    job_id = prepare(admin_client)
    waiting = admin_client.get(f"/jobs/{job_id}")
    assert job_of(in_app, job_id).state == JobState.queued
    assert "Waiting for a free worker" in waiting.text
    assert '<meta http-equiv="refresh" content="2">' in waiting.text
    assert admin_client.get(f"/jobs/{job_id}/download").status_code == 404

    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    job = job_of(in_app, job_id)
    assert job.state == JobState.done and job.attempts == 1
    assert (job.progress, job.total) == (2, 2)
    download = admin_client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.data.startswith(b"PK")
    download.close()


def test_a_failing_job_is_retried_once_then_shown_failed(admin_client, runner, in_app,
                                                         job_queue):
    owner = admin_client.person.id
    # A year that cannot be read: the work fails on every attempt.
    job_id = in_app(lambda: jobs.start(ANNUAL_REPORT, owner_id=owner, title="Broken",
                                       params={"year": "MMXXVI", "branches": None}).id)
    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    job = job_of(in_app, job_id)
    assert job.state == JobState.failed and job.attempts == 2
    assert "ValueError" in job.error
    page = admin_client.get(f"/jobs/{job_id}")
    assert "The job failed after 2 attempts." in page.text


def test_without_a_queue_the_worker_says_why(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 1
    assert "CERTIFY_JOBS_REDIS_URL is not set" in result.output


def test_purge_deletes_old_finished_jobs_and_their_files(admin_client, runner, in_app):
    job_id = prepare(admin_client)
    path = in_app(lambda: db.session.get(BackgroundJob, job_id).result_path())
    assert path.is_file()
    assert "Deleted 0 finished jobs." in runner.invoke(args=["jobs", "purge"]).output
    result = runner.invoke(args=["jobs", "purge", "--days", "0"])
    assert "Deleted 1 finished jobs." in result.output
    assert not path.exists()
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(BackgroundJob.id)))) == 0


def wait_for(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError("waited in vain")


def worker_config(app, in_app, database_url) -> dict:
    """The settings a worker process needs to share the test's database, queue and files."""
    config = {key: app.config[key] for key in ("JOBS_REDIS_URL", "JOBS_QUEUE")}
    return config | {"DATABASE_URL": database_url,
                     "JOB_RESULTS_DIR": in_app(lambda: str(jobs.results_dir()))}


def kill_a_worker_mid_job(config: dict, in_app, job_id: int, attempt: int) -> None:
    """Start a real RQ worker process, wait until it is half-way through ``attempt`` of the
    job, and kill it with its scheduler process (SIGKILL to the group, as systemd stops a
    service's processes: no clean-up of any kind)."""
    worker = subprocess.Popen(  # noqa: S603 (our own script, no shell)
        [sys.executable, "-m", "tests.support.worker_process", json.dumps(config)],
        cwd=Path(__file__).parents[2], start_new_session=True)
    try:
        wait_for(lambda: (job_of(in_app, job_id).attempts, job_of(in_app, job_id).progress)
                 == (attempt, 1))
        assert job_of(in_app, job_id).state == JobState.running
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def test_a_job_whose_worker_is_killed_is_done_by_the_next_worker(
        app, admin_client, runner, in_app, job_queue, database_url, tmp_path):
    owner = admin_client.person.id
    release = tmp_path / "release"
    job_id = in_app(lambda: jobs.start(WAITING, owner_id=owner, title="Waiting",
                                       params={"release": str(release)}).id)
    kill_a_worker_mid_job(worker_config(app, in_app, database_url), in_app, job_id, 1)
    assert admin_client.get(f"/jobs/{job_id}").status_code == 200  # still "working"
    release.touch()

    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    job = job_of(in_app, job_id)
    assert (job.state, job.attempts, job.error) == (JobState.done, 2, None)
    download = admin_client.get(f"/jobs/{job_id}/download")
    assert download.data == b"attempt 2"
    download.close()


def test_a_job_whose_workers_are_killed_twice_is_shown_failed(
        app, admin_client, runner, in_app, job_queue, database_url, tmp_path):
    owner = admin_client.person.id
    job_id = in_app(lambda: jobs.start(WAITING, owner_id=owner, title="Waiting",
                                       params={"release": str(tmp_path / "never")}).id)
    config = worker_config(app, in_app, database_url)
    kill_a_worker_mid_job(config, in_app, job_id, 1)
    kill_a_worker_mid_job(config, in_app, job_id, 2)  # it recovers the job, then dies too

    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    job = job_of(in_app, job_id)
    assert (job.state, job.attempts) == (JobState.failed, 2)
    assert job.error.startswith("AbandonedJobError")
    assert "The job failed after 2 attempts." in admin_client.get(f"/jobs/{job_id}").text


def test_a_job_failing_once_succeeds_on_its_retry(admin_client, runner, in_app, job_queue):
    owner = admin_client.person.id
    job_id = in_app(lambda: jobs.start(FLAKY, owner_id=owner, title="Flaky", params={}).id)
    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    job = job_of(in_app, job_id)
    assert (job.state, job.attempts, job.error) == (JobState.done, 2, None)
    assert "Ready." in admin_client.get(f"/jobs/{job_id}").text
