"""Issuing in bulk (assessments/operations/issuing.py): an administrator issues, as a job, the
certificates of a competition's final awards that have none, gets a summary file, and running
it again issues nothing twice (issue 17)."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from assessments.models import Application
from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.core.jobs import BackgroundJob, JobState
from tests.support import login


def carried_over(award, in_app, count: int = 2) -> int:
    """``count`` final awards whose certificates are not issued (as a decision carried over
    from the paper register leaves them): returns the competition's id."""
    applications = [award() for _ in range(count)]
    in_app(lambda: db.session.execute(sa.delete(Certificate)))
    return in_app(lambda: db.session.get(Application, applications[0]).competition_id)


def certificates_of(in_app) -> list[int]:
    return in_app(lambda: sorted(db.session.scalars(sa.select(Certificate.application_id))))


def issue(client, competition_id: int) -> int:
    answer = client.post(f"/manage/competitions/{competition_id}/issue-awarded")
    assert answer.status_code == 302, answer.text
    return int(re.search(r"/jobs/(\d+)$", answer.headers["Location"]).group(1))


def summary(client, job_id: int) -> list[dict]:
    answer = client.get(f"/jobs/{job_id}/download")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    answer.close()
    return list(csv.DictReader(io.StringIO(text)))


def test_an_administrator_issues_the_missing_certificates_once(
        app, award, in_app, create_user):
    competition_id = carried_over(award, in_app)
    admin = app.test_client()
    login(admin, create_user("admin"))
    analytics = admin.get(f"/manage/competitions/{competition_id}/analytics").text
    assert "Final awards without a certificate: 2." in analytics

    rows = summary(admin, issue(admin, competition_id))
    assert [row["result"] for row in rows] == ["issued", "issued"]
    issued = certificates_of(in_app)
    assert [int(row["application_id"]) for row in rows] == issued
    numbers = in_app(lambda: set(db.session.scalars(sa.select(Certificate.number))))
    assert {row["certificate_number"] for row in rows} == numbers
    assert "Final awards without a certificate" not in admin.get(
        f"/manage/competitions/{competition_id}/analytics").text

    assert summary(admin, issue(admin, competition_id)) == []  # run twice: nothing more
    assert certificates_of(in_app) == issued


def test_a_worker_issues_them_with_progress(app, award, in_app, create_user, runner,
                                           job_queue):
    competition_id = carried_over(award, in_app, count=3)
    admin = app.test_client()
    login(admin, create_user("admin"))
    job_id = issue(admin, competition_id)
    assert certificates_of(in_app) == []
    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0
    state, progress, total = in_app(lambda: db.session.execute(sa.select(
        BackgroundJob.state, BackgroundJob.progress, BackgroundJob.total)
        .where(BackgroundJob.id == job_id)).one())
    assert (state, progress, total) == (JobState.done, 3, 3)
    assert len(certificates_of(in_app)) == 3


def test_only_administrators_issue_in_bulk(app, award, in_app, create_user):
    competition_id = carried_over(award, in_app, count=1)
    coordinator = app.test_client()
    login(coordinator, create_user("coordinator", branch="KZ"))
    assert coordinator.post(
        f"/manage/competitions/{competition_id}/issue-awarded").status_code == 403
    assert "Issue the missing certificates" not in coordinator.get(
        f"/manage/competitions/{competition_id}/analytics").text
    assert certificates_of(in_app) == []
