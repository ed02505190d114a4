"""Retention (issue 20; ISO/IEC 17024 §7.1: records kept for a defined period): the evidence of
an unsuccessful application — refused, with no appeal still open, or withdrawn — is deleted
RETENTION_UNSUCCESSFUL_EVIDENCE_YEARS after the decision or the withdrawal. Certificates,
decisions, answers and the audit log are kept. ``flask --app certify retention`` lists what is
due (a dry run); with ``--apply`` it deletes, each application's deletion audited. Files go
once the deletion is committed (``assessments.evidence``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from assessments import evidence as evidence_files
from assessments.models import Appeal, Application, Decision, Evidence
from assessments.states import AppealState, ApplicationState, Outcome
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db


@dataclass(frozen=True)
class Due:
    application_id: int
    files: int
    links: int
    size: int


def _cutoff(now: datetime) -> datetime:
    return now - timedelta(days=365 * current_app.config["RETENTION_UNSUCCESSFUL_EVIDENCE_YEARS"])


def _unsuccessful_before(cutoff: datetime):
    refused = sa.select(Decision.application_id).where(
        Decision.outcome == Outcome.refuse, Decision.decided_at < cutoff)
    open_appeal = sa.select(Appeal.application_id).where(Appeal.state == AppealState.open)
    return sa.select(Application).where(
        sa.or_(sa.and_(Application.state == ApplicationState.decided,
                       Application.id.in_(refused)),
               sa.and_(Application.state == ApplicationState.withdrawn,
                       Application.updated_at < cutoff)),
        Application.id.not_in(open_appeal),
        Application.id.in_(sa.select(Evidence.application_id))).order_by(Application.id)


def due_for_deletion(now: datetime | None = None) -> list[Due]:
    applications = db.session.scalars(_unsuccessful_before(_cutoff(now or utcnow())))
    return [Due(a.id, sum(e.stored_name is not None for e in a.evidence),
                sum(e.stored_name is None for e in a.evidence), sum(e.size for e in a.evidence))
            for a in applications]


def apply_retention(now: datetime | None = None) -> list[Due]:
    """Delete what is due; flushes, the caller commits (then the files go)."""
    due = due_for_deletion(now)
    for item in due:
        application = db.session.get(Application, item.application_id)
        for piece in list(application.evidence):
            if piece.stored_name:
                db.session.info.setdefault(evidence_files.TO_DELETE, []).append(
                    evidence_files.stored_path(piece))
            db.session.delete(piece)
        db.session.flush()
        audit.record("retention.evidence_deleted", application, files=item.files,
                     links=item.links, size=item.size)
    return due
