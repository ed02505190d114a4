"""Issuing and revoking certificates. Flushes, never commits: the caller's request does."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from certify.certificates.models import Certificate, CertificateSequence
from certify.certificates.signing import new_credential_id, sign_certificate
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from rubrics.models import Track


def next_sequence(prefix: str, branch_code: str, year: int) -> int:
    """Take the next number atomically: the UPDATE locks the row until the transaction ends."""
    key = (
        (CertificateSequence.prefix == prefix)
        & (CertificateSequence.branch_code == branch_code)
        & (CertificateSequence.year == year)
    )
    bump = (
        sa.update(CertificateSequence)
        .where(key)
        .values(last_value=CertificateSequence.last_value + 1)
        .returning(CertificateSequence.last_value)
    )
    value = db.session.execute(bump).scalar_one_or_none()
    if value is not None:
        return value
    try:
        with db.session.begin_nested():
            db.session.add(
                CertificateSequence(prefix=prefix, branch_code=branch_code, year=year,
                                    last_value=1)
            )
        return 1
    except IntegrityError:
        # Another transaction created the row first; take the next number from it.
        return db.session.execute(bump).scalar_one()


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity_years(track: str) -> int:
    """CERTIFICATE_VALIDITY_YEARS: one number for both tracks, or {"professor": n, ...}."""
    setting = current_app.config["CERTIFICATE_VALIDITY_YEARS"]
    return int(setting[str(track)] if isinstance(setting, dict) else setting)


def issue_certificate(application, *, by, issued_at: datetime | None = None) -> Certificate:
    issued_at = issued_at or utcnow()
    track = Track(application.competition.track)
    branch = application.branch
    sequence = next_sequence(track.certificate_prefix, branch.code, issued_at.year)
    valid_from = issued_at.date()
    holder = application.candidate
    certificate = Certificate(
        number=f"{track.certificate_prefix}-{branch.code}-{issued_at.year}-{sequence:06d}",
        track=track,
        branch=branch,
        year=issued_at.year,
        sequence=sequence,
        holder=holder,
        holder_name=holder.full_name,
        holder_name_native=holder.full_name_native,
        application_id=application.id,
        rubric_version=application.competition.rubric_version,
        issued_at=issued_at,
        valid_from=valid_from,
        valid_until=add_years(valid_from, validity_years(track)),
    )
    certificate.credential_id = new_credential_id()
    db.session.add(certificate)
    db.session.flush()
    sign_certificate(certificate)
    audit.record("certificate.issue", certificate, actor=by, number=certificate.number)
    return certificate


class CertificateActionError(ValueError):
    pass


def revoke_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Permanent: the certificate is no longer valid and the revocation list says so."""
    if certificate.revoked_at is not None:
        raise CertificateActionError("certificate already revoked")
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason
    audit.record("certificate.revoke", certificate, actor=by, reason=reason)
    db.session.flush()


def suspend_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Reversible: not valid while suspended (e.g. during an investigation)."""
    if certificate.revoked_at is not None or certificate.suspended_at is not None:
        raise CertificateActionError("only a certificate in force can be suspended")
    certificate.suspended_at = utcnow()
    certificate.suspension_reason = reason
    audit.record("certificate.suspend", certificate, actor=by, reason=reason)
    db.session.flush()


def reinstate_certificate(certificate: Certificate, *, reason: str, by) -> None:
    if certificate.suspended_at is None or certificate.revoked_at is not None:
        raise CertificateActionError("only a suspended certificate can be reinstated")
    audit.record("certificate.reinstate", certificate, actor=by, reason=reason,
                 suspended_at=certificate.suspended_at.isoformat(),
                 suspension_reason=certificate.suspension_reason)
    certificate.suspended_at = None
    certificate.suspension_reason = None
    db.session.flush()


def correct_holder_name(certificate: Certificate, *, full_name: str,
                        full_name_native: str | None, reason: str, by) -> None:
    """Re-issue the credential with the corrected name; number, dates, status place and the
    original award date stay."""
    if certificate.revoked_at is not None:
        raise CertificateActionError("a revoked certificate is not re-issued")
    before = (certificate.holder_name, certificate.holder_name_native)
    certificate.holder_name = full_name.strip()
    certificate.holder_name_native = (full_name_native or "").strip() or None
    sign_certificate(certificate)
    audit.record("certificate.correct_name", certificate, actor=by, reason=reason,
                 before=list(before),
                 after=[certificate.holder_name, certificate.holder_name_native])


def can_request_renewal(certificate: Certificate) -> bool:
    """Before expiry, once: a valid certificate not yet renewed, with no request pending."""
    from certify.certificates.models import CertificateStatus, RenewalState

    return (
        certificate.status == CertificateStatus.valid
        and certificate.renewed_by is None
        and not any(r.state == RenewalState.pending for r in certificate.renewals)
    )


def request_renewal(certificate: Certificate, *, cpd_hours: int, narrative: str,
                    evidence_url: str | None, by):
    from certify.certificates.models import RenewalRequest

    if not can_request_renewal(certificate):
        raise CertificateActionError("this certificate cannot be renewed now")
    request = RenewalRequest(certificate=certificate, cpd_hours=cpd_hours,
                             narrative=narrative.strip(), evidence_url=evidence_url or None)
    db.session.add(request)
    db.session.flush()
    audit.record("certificate.renewal_request", certificate, actor=by, request=request.id,
                 cpd_hours=cpd_hours)
    return request


def approve_renewal(request, *, reason: str, by) -> Certificate:
    """A new certificate continuing the old one: its period starts when the old one ends
    (or today, if that is later); the old record links to it."""
    from datetime import timedelta

    from certify.certificates.models import RenewalState

    if request.state != RenewalState.pending:
        raise CertificateActionError("this request is already decided")
    old = request.certificate
    if old.revoked_at is not None or old.renewed_by is not None:
        raise CertificateActionError("this certificate cannot be renewed")
    now = utcnow()
    track = Track(old.track)
    branch = old.branch
    sequence = next_sequence(track.certificate_prefix, branch.code, now.year)
    valid_from = max(now.date(), old.valid_until + timedelta(days=1))
    renewed = Certificate(
        number=f"{track.certificate_prefix}-{branch.code}-{now.year}-{sequence:06d}",
        track=track, branch=branch, year=now.year, sequence=sequence, holder=old.holder,
        holder_name=old.holder_name, holder_name_native=old.holder_name_native,
        rubric_version=old.rubric_version, issued_at=now, valid_from=valid_from,
        valid_until=add_years(valid_from, validity_years(track)), renewed_from=old,
        is_private=old.is_private,
    )
    renewed.credential_id = new_credential_id()
    db.session.add(renewed)
    db.session.flush()
    sign_certificate(renewed)
    request.state = RenewalState.approved
    request.decided_at = now
    request.decided_by_id = by.id
    request.reason = reason
    request.new_certificate = renewed
    db.session.flush()
    audit.record("certificate.renew", old, actor=by, new_number=renewed.number, reason=reason)
    return renewed


def refuse_renewal(request, *, reason: str, by) -> None:
    from certify.certificates.models import RenewalState

    if request.state != RenewalState.pending:
        raise CertificateActionError("this request is already decided")
    request.state = RenewalState.refused
    request.decided_at = utcnow()
    request.decided_by_id = by.id
    request.reason = reason
    db.session.flush()
    audit.record("certificate.renewal_refused", request.certificate, actor=by, reason=reason)


def queue_expiry_reminders(today=None) -> int:
    """Reminders 90 and 30 days before expiry (RENEWAL_REMINDER_DAYS) for certificates in force
    and not renewed; each is queued once, however often this runs."""
    from datetime import timedelta

    from flask_babel import gettext as _

    from certify.certificates.signing import base_url
    from certify.core import outbox as notifications

    today = today or utcnow().date()
    queued = 0
    for days in sorted(current_app.config["RENEWAL_REMINDER_DAYS"], reverse=True):
        candidates = db.session.scalars(sa.select(Certificate).where(
            Certificate.revoked_at.is_(None), Certificate.suspended_at.is_(None),
            Certificate.valid_from <= today,
            Certificate.valid_until >= today,
            Certificate.valid_until <= today + timedelta(days=days),
        ).order_by(Certificate.id)).all()
        for certificate in candidates:
            if certificate.renewed_by is not None:
                continue

            def compose(certificate=certificate):
                subject = _("Your certificate %(number)s expires on %(date)s",
                            number=certificate.number,
                            date=certificate.valid_until.isoformat())
                body = _(
                    "Dear %(name)s,\n\nyour certificate %(number)s (%(title)s) is valid until "
                    "%(date)s. To renew it, send a record of your continuing professional "
                    "development from your certificate page:\n%(url)s\n",
                    name=certificate.holder_name, number=certificate.number,
                    title=certificate.track_title, date=certificate.valid_until.isoformat(),
                    url=f"{base_url()}/my/certificates/{certificate.number}")
                return subject, body

            if notifications.queue(certificate.holder, f"expiry-{days}",
                                   f"certificate:{certificate.id}:expiry-{days}", compose):
                queued += 1
    return queued
