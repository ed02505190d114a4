"""What is done with a complaint: filed (with its receipt number and secret status link), an
investigator assigned, the outcome recorded. Flushes, never commits; refuses with
``DomainError``. Suspension and withdrawal go through the certificates' own operations, so the
status lists, the signed credential's status and the audit log follow."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.complaints.models import (
    CERTIFICATE_OUTCOMES,
    Complaint,
    ComplaintOutcome,
    ComplaintSequence,
    ComplaintState,
    ComplaintSubject,
)
from assessments.complaints.notifications import (
    notify_holder,
    notify_outcome,
    notify_receipt,
    notify_staff,
)
from assessments.complaints.permissions import involvement
from assessments.models import Competition
from assessments.permissions import is_staff_for_branch
from certify.certificates.lookups import find_certificate
from certify.certificates.operations import revoke_certificate, suspend_certificate
from certify.certificates.permissions import can_revoke
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.core.sequences import take_next
from certify.users.models import Branch, User


@dataclass(frozen=True)
class ComplaintInput:
    name: str
    email: str
    language: str
    subject: ComplaintSubject
    description: str
    certificate_number: str | None = None
    competition_id: int | None = None
    branch_id: int | None = None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def file_complaint(given: ComplaintInput) -> tuple[Complaint, str]:
    """A complaint from anyone; returns it with the token of its status link (shown once and
    mailed, kept only as a digest)."""
    certificate = competition = branch = None
    if given.subject == ComplaintSubject.certificate:
        certificate = find_certificate(given.certificate_number or "")
        if certificate is None:
            raise DomainError(Problem(_("No certificate has this number."), "certificate_number"))
        branch = certificate.branch
    else:
        if given.competition_id is not None:
            competition = db.session.get(Competition, given.competition_id)
        if given.branch_id is not None:
            branch = db.session.get(Branch, given.branch_id)
    now = utcnow()
    sequence = take_next(ComplaintSequence, year=now.year)
    token = secrets.token_urlsafe(32)
    complaint = Complaint(
        number=f"C-{now.year}-{sequence:05d}", year=now.year, sequence=sequence,
        subject=given.subject, certificate=certificate, competition=competition, branch=branch,
        complainant_name=given.name, complainant_email=given.email.strip().lower(),
        language=given.language, description=given.description.strip(),
        token_hash=token_digest(token), created_at=now,
    )
    db.session.add(complaint)
    db.session.flush()
    audit.record("complaint.file", complaint, number=complaint.number,
                 subject=complaint.subject,
                 certificate=certificate.number if certificate else None)
    notify_receipt(complaint, token)
    notify_staff(complaint)
    return complaint, token


def complaint_by_token(token: str) -> Complaint | None:
    return db.session.scalar(sa.select(Complaint).where(
        Complaint.token_hash == token_digest(token)))


def require_uninvolved(complaint: Complaint, person: User) -> None:
    reason = involvement(person, complaint)
    if reason is not None:
        raise DomainError(_("%(name)s is involved in what this complaint concerns and cannot "
                            "handle it: %(reason)s", name=person.full_name, reason=reason))


def assign_investigator(complaint: Complaint, investigator: User, *, by: User) -> None:
    """An administrator, or a coordinator of the complaint's branch, not involved."""
    if complaint.state == ComplaintState.resolved:
        raise DomainError(_("This complaint has already been resolved."))
    require_uninvolved(complaint, by)
    require_uninvolved(complaint, investigator)
    if not investigator.is_enabled or not is_staff_for_branch(investigator,
                                                               complaint.branch_id):
        raise DomainError(_("Choose an administrator or a coordinator of the branch concerned."))
    before = complaint.investigator_id
    complaint.investigator = investigator
    complaint.assigned_at = utcnow()
    complaint.state = ComplaintState.investigating
    db.session.flush()
    audit.record("complaint.assign", complaint, actor=by, investigator=investigator.id,
                 before=before)


def resolve_complaint(complaint: Complaint, *, outcome: ComplaintOutcome, findings: str,
                      reason: str, by: User) -> None:
    """The findings and the outcome, by the assigned investigator or an administrator not
    involved; a suspension or withdrawal acts on the certificate (administrators only, as
    every suspension and revocation)."""
    if complaint.state == ComplaintState.resolved:
        raise DomainError(_("This complaint has already been resolved."))
    require_uninvolved(complaint, by)
    if complaint.investigator_id != by.id and not by.is_admin:
        raise DomainError(_("Only the assigned investigator or an administrator records the "
                            "outcome."))
    if outcome in CERTIFICATE_OUTCOMES:
        certificate = complaint.certificate
        if certificate is None:
            raise DomainError(_("This complaint is about the process, not a certificate: no "
                                "certificate can be suspended or withdrawn."))
        if not can_revoke(by, certificate):
            raise DomainError(_("Only an administrator suspends or withdraws a certificate."))
        act = suspend_certificate if outcome == ComplaintOutcome.suspended else revoke_certificate
        act(certificate, reason=reason.strip(), by=by)
    now = utcnow()
    if complaint.investigator_id is None:
        complaint.investigator, complaint.assigned_at = by, now
    complaint.findings, complaint.outcome = findings.strip(), outcome
    complaint.outcome_reason = reason.strip()
    complaint.resolved_by, complaint.resolved_at = by, now
    complaint.state = ComplaintState.resolved
    db.session.flush()
    audit.record("complaint.resolve", complaint, actor=by, outcome=outcome,
                 reason=complaint.outcome_reason)
    notify_outcome(complaint)
    notify_holder(complaint)
