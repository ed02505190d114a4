"""A person's own data, as one ZIP (issue 20: the right of access; ISO/IEC 17024 §7.1, §7.3;
Kazakhstan's Law on Personal Data and their Protection).

``person.json`` holds the account, roles, reviewer profile and consents; ``applications.json``
their applications with answers, evidence (the files under ``evidence/``), decisions and
certificates; ``reviews.json`` the reviews they wrote (their own ratings and comments);
``reviewer_credentials.json`` the credentials of their reviewing work;
``notifications.json`` the mail sent to them; ``audit.json`` the audit entries about their
account or made by them.

What others did is left out where the person does not see it today: no reviewer of their own
applications is named or counted here (a candidate sees reviewers by number only, and in a blind
competition not at all), nor who decided, and audit entries name another actor as "staff"."""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import IO, Any

import sqlalchemy as sa

from assessments import evidence as evidence_files
from assessments.models import Application, Review
from certify.certificates.models import Certificate, ReviewerCredential
from certify.core import audit
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import User
from certify.users.privacy import consents_of


def _person(user: User) -> dict[str, Any]:
    profile = user.reviewer_profile
    return {
        "id": user.id, "email": user.email, "full_name": user.full_name,
        "full_name_native": user.full_name_native, "affiliation": user.affiliation,
        "country": user.country, "preferred_language": user.preferred_language,
        "branch": user.branch.code if user.branch else None,
        "created_at": user.created_at, "last_login_at": user.last_login_at,
        "email_verified_at": user.email_verified_at,
        "second_factor_enabled_at": user.totp_enabled_at,
        "roles": [{"role": a.role, "branch": a.branch.code if a.branch else None}
                  for a in user.role_assignments],
        "reviewer_profile": None if profile is None else {
            "specialisms": profile.specialisms, "review_languages": profile.review_languages,
            "max_open_reviews": profile.max_open_reviews},
        "privacy_consents": [{"version": c.version, "language": c.language,
                              "accepted_at": c.accepted_at} for c in consents_of(user)],
    }


def _application(application: Application) -> dict[str, Any]:
    decision = application.decision
    return {
        "id": application.id, "competition": application.competition.title,
        "branch": application.branch.code, "state": application.state,
        "created_at": application.created_at, "submitted_at": application.submitted_at,
        "answers": [{"criterion": a.criterion.code, "level": a.level, "narrative": a.narrative}
                    for a in application.answers],
        "evidence": [{"id": e.id, "criterion": e.criterion.code, "kind": e.kind,
                      "title": e.title, "url": e.url, "size": e.size, "sha256": e.sha256,
                      "file": _evidence_name(e) if e.stored_name else None}
                     for e in application.evidence],
        "decision": None if decision is None else {
            "outcome": decision.outcome, "reason": decision.reason, "score": decision.score,
            "decided_at": decision.decided_at},
    }


def _evidence_name(item) -> str:
    return f"evidence/{item.id}-{item.stored_name[:8]}"


def _review(review: Review) -> dict[str, Any]:
    # Which application only by number: the candidate's name is not the reviewer's data.
    return {
        "id": review.id, "application": review.application_id, "state": review.state,
        "assigned_at": review.assigned_at, "submitted_at": review.submitted_at,
        "scores": [{"criterion": s.criterion.code, "level": s.level, "comment": s.comment}
                   for s in review.scores],
    }


def _certificate(certificate: Certificate) -> dict[str, Any]:
    return {
        "number": certificate.number, "track": certificate.track,
        "holder_name": certificate.holder_name,
        "holder_name_native": certificate.holder_name_native,
        "valid_from": certificate.valid_from, "valid_until": certificate.valid_until,
        "issued_at": certificate.issued_at, "revoked_at": certificate.revoked_at,
        "suspended_at": certificate.suspended_at, "credential": certificate.credential,
    }


def _audit_entries(user: User) -> list[dict[str, Any]]:
    about = sa.or_(AuditEvent.actor_id == user.id,
                   sa.and_(AuditEvent.object_type == "User", AuditEvent.object_id == user.id))
    return [{"at": e.created_at, "action": e.action, "object": e.object_type,
             "object_id": e.object_id,
             "by": "you" if e.actor_id == user.id else ("staff" if e.actor_id else None),
             "data": e.data}
            for e in db.session.scalars(sa.select(AuditEvent).where(about)
                                        .order_by(AuditEvent.id))]


def _rows(model, *where, order=None) -> list:
    return list(db.session.scalars(sa.select(model).where(*where).order_by(order or model.id)))


def write_export(user: User, target: IO[bytes]) -> None:
    """Write the person's ZIP into ``target`` and audit it (the entry is part of the export)."""
    audit.record("privacy.export", user, actor=user)
    applications = _rows(Application, Application.candidate_id == user.id)
    documents = {
        "person.json": _person(user),
        "applications.json": [_application(a) for a in applications],
        "reviews.json": [_review(r) for r in _rows(Review, Review.reviewer_id == user.id)],
        "certificates.json": [_certificate(c) for c in
                              _rows(Certificate, Certificate.holder_id == user.id)],
        "reviewer_credentials.json": [
            {"competition": r.competition_title, "name": r.reviewer_name,
             "files_reviewed": r.files_reviewed, "reviews_on_time": r.reviews_on_time,
             "calibration_completed": r.calibration_completed, "issued_at": r.issued_at,
             "revoked_at": r.revoked_at, "credential": r.credential}
            for r in _rows(ReviewerCredential, ReviewerCredential.reviewer_id == user.id)],
        "notifications.json": [
            {"at": n.created_at, "sent_at": n.sent_at, "kind": n.kind, "language": n.language,
             "subject": n.subject, "body": n.body}
            for n in _rows(Notification, sa.or_(Notification.user_id == user.id,
                                                Notification.address == user.email))],
        "audit.json": _audit_entries(user),
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in documents.items():
            archive.writestr(name, json.dumps(content, ensure_ascii=False, indent=2,
                                              default=str))
        for application in applications:
            for item in application.evidence:
                path = item.stored_name and evidence_files.stored_path(item)
                if path and path.exists():
                    archive.write(path, _evidence_name(item))


def export_file(user: User) -> IO[bytes]:
    """The ZIP in a temporary file (gone once closed), rewound for sending."""
    # Handed to the response, which closes it once sent: no context manager here.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_export(user, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
