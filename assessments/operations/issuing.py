"""Issuing in bulk: the certificates of a competition's final awards that have none yet (a
decision carried over from the paper register, or an issue that failed), as a background job
with its progress and a summary file (certify/core/jobs.py). Each certificate is committed on
its own, and an application that has one is skipped: run twice, or retried after a worker
restart, the job issues each certificate once (certificates.application_id is unique too)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.models import Application, Decision
from assessments.states import Moderation, Outcome
from certify.certificates.models import Certificate
from certify.certificates.operations import issue_certificate
from certify.core import jobs
from certify.core.extensions import db
from certify.core.tabular import CSV_CONTENT_TYPE, iter_csv
from certify.users.models import User

ISSUE_AWARDED = "issue-awarded"
SUMMARY_COLUMNS = ("application_id", "candidate", "certificate_number", "result")


def awarded_without_certificate(competition_id: int) -> list[int]:
    """The applications of the competition with a final award and no certificate, in order."""
    return list(db.session.scalars(
        sa.select(Application.id)
        .join(Decision, Decision.application_id == Application.id)
        .outerjoin(Certificate, Certificate.application_id == Application.id)
        .where(Application.competition_id == competition_id,
               Decision.outcome == Outcome.award,
               Decision.moderation.in_([Moderation.none, Moderation.confirmed]),
               Certificate.id.is_(None))
        .order_by(Application.id)))


def start_issuing(competition_id: int, *, by: User) -> jobs.BackgroundJob:
    pending = awarded_without_certificate(competition_id)
    return jobs.start(ISSUE_AWARDED, owner_id=by.id, total=len(pending),
                      title=_("Certificates of competition %(id)d", id=competition_id),
                      params={"competition_id": competition_id})


def issue_awarded(job: jobs.BackgroundJob, progress, output: Path) -> tuple[str, str]:
    """Issue what is still missing, one committed certificate at a time; the summary lists
    each application the job looked at, with the certificate it got."""
    by = db.session.get(User, job.owner_id)
    competition_id = int(job.params["competition_id"])
    pending = awarded_without_certificate(competition_id)
    progress(0, len(pending))

    def rows():
        for done, application_id in enumerate(pending, start=1):
            application = db.session.get(Application, application_id)
            existing = db.session.scalar(sa.select(Certificate.number).where(
                Certificate.application_id == application_id))
            if existing is None:  # not issued meanwhile, by another job or a person
                number, result = issue_certificate(
                    application, by=by, band=application.decision.band).number, "issued"
            else:
                number, result = existing, "already issued"
            yield application_id, application.candidate.full_name, number, result
            db.session.commit()
            progress(done, len(pending))

    with output.open("wb") as file:
        for chunk in iter_csv(SUMMARY_COLUMNS, rows()):
            file.write(chunk)
    return f"competition-{competition_id}-certificates-issued.csv", CSV_CONTENT_TYPE


jobs.register(ISSUE_AWARDED, issue_awarded)
