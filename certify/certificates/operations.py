"""What is done to certificates: issue, revoke, suspend, reinstate, correct the name, renew,
and the holder's privacy. Flushes, never commits: the caller's request does. A step that does
not apply raises ``DomainError`` with the reason to show."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from certify.certificates import events
from certify.certificates.cpd.categories import category_title
from certify.certificates.cpd.operations import evaluation_for
from certify.certificates.models import (
    Certificate,
    RenewalFinding,
    RenewalRequest,
    RenewalState,
)
from certify.certificates.numbering import allocate_number
from certify.certificates.signing import new_credential_id, reissue_certificate, sign_certificate
from certify.certificates.status import CertificateStatus, certificate_status
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from rubrics.models import Criterion, Track


def _not_applicable() -> DomainError:
    return DomainError(_("This action does not apply to the certificate in its present state."))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity_years(track: str) -> int:
    """CERTIFICATE_VALIDITY_YEARS: one number for both tracks, or {"professor": n, ...}."""
    setting = current_app.config["CERTIFICATE_VALIDITY_YEARS"]
    return int(setting[str(track)] if isinstance(setting, dict) else setting)


def _new_certificate(*, track: Track, branch, issued_at: datetime, valid_from: date,
                     **fields) -> Certificate:
    """Numbered, dated and signed: what an award and a renewal have in common."""
    number, sequence = allocate_number(track, branch.code, issued_at.year)
    branch.code_fixed = True  # the code is printed now: it may not change any more
    certificate = Certificate(
        number=number, track=track, branch=branch, year=issued_at.year, sequence=sequence,
        issued_at=issued_at, valid_from=valid_from,
        valid_until=add_years(valid_from, validity_years(track)),
        credential_id=new_credential_id(), **fields,
    )
    db.session.add(certificate)
    db.session.flush()
    sign_certificate(certificate)
    return certificate


def issue_certificate(application, *, by, issued_at: datetime | None = None,
                      band: str | None = None) -> Certificate:
    issued_at = issued_at or utcnow()
    holder = application.candidate
    certificate = _new_certificate(
        track=Track(application.competition.track), branch=application.branch,
        issued_at=issued_at, valid_from=issued_at.date(),
        holder=holder, holder_name=holder.full_name,
        holder_name_native=holder.full_name_native, application_id=application.id,
        rubric_version=application.competition.rubric_version, band=band,
        specialism=application.specialism,
    )
    audit.record("certificate.issue", certificate, actor=by, number=certificate.number,
                 **({"band": band} if band else {}),
                 **({"specialism": certificate.specialism} if certificate.specialism else {}))
    return certificate


def revoke_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Permanent: the certificate is no longer valid and the revocation list says so."""
    if certificate.revoked_at is not None:
        raise _not_applicable()
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason
    audit.record("certificate.revoke", certificate, actor=by, reason=reason)
    db.session.flush()
    events.status_changed.send(certificate, event=events.REVOKED, at=certificate.revoked_at)


def suspend_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Reversible: not valid while suspended (e.g. during an investigation)."""
    if certificate.revoked_at is not None or certificate.suspended_at is not None:
        raise _not_applicable()
    certificate.suspended_at = utcnow()
    certificate.suspension_reason = reason
    audit.record("certificate.suspend", certificate, actor=by, reason=reason)
    db.session.flush()
    events.status_changed.send(certificate, event=events.SUSPENDED, at=certificate.suspended_at)


def reinstate_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Only a suspended certificate, and not one revoked since."""
    if certificate.suspended_at is None or certificate.revoked_at is not None:
        raise _not_applicable()
    audit.record("certificate.reinstate", certificate, actor=by, reason=reason,
                 suspended_at=certificate.suspended_at.isoformat(),
                 suspension_reason=certificate.suspension_reason)
    certificate.suspended_at = None
    certificate.suspension_reason = None
    db.session.flush()
    events.status_changed.send(certificate, event=events.REINSTATED, at=utcnow())


def correct_holder_name(certificate: Certificate, *, full_name: str,
                        full_name_native: str | None, reason: str, by) -> None:
    """Re-issue the credential with the corrected name under a new credential id and status
    place; number, dates and the original award date stay. The credential it replaces then
    verifies as superseded (its id is no longer the certificate's, its revocation bit is set).
    A revoked certificate is not re-issued."""
    if certificate.revoked_at is not None:
        raise _not_applicable()
    before = (certificate.holder_name, certificate.holder_name_native)
    certificate.holder_name = full_name.strip()
    certificate.holder_name_native = (full_name_native or "").strip() or None
    reissue_certificate(certificate)
    audit.record("certificate.correct_name", certificate, actor=by, reason=reason,
                 before=list(before),
                 after=[certificate.holder_name, certificate.holder_name_native])


def set_privacy(certificate: Certificate, private: bool, *, by) -> None:
    """Private: the public page still answers by number, but the PDF and the signed
    credential are the holder's (and the administrators')."""
    certificate.is_private = private
    audit.record("certificate.privacy", certificate, actor=by, private=certificate.is_private)
    db.session.flush()


def lapsed(certificate: Certificate) -> bool:
    """Expired more than RENEWAL_LAPSE_YEARS ago: a full application is needed (domain
    §3.4 rule 9)."""
    years = current_app.config["RENEWAL_LAPSE_YEARS"]
    return (certificate_status(certificate) == CertificateStatus.expired
            and utcnow().date() > add_years(certificate.valid_until, years))


def can_request_renewal(certificate: Certificate) -> bool:
    """Once, with no request pending and not renewed yet: in the last RENEWAL_WINDOW_DAYS of
    its validity, or after expiry until the lapse is too long (``lapsed``)."""
    opens = certificate.valid_until - timedelta(days=current_app.config["RENEWAL_WINDOW_DAYS"])
    status = certificate_status(certificate)
    in_time = ((status == CertificateStatus.valid and utcnow().date() >= opens)
               or (status == CertificateStatus.expired and not lapsed(certificate)))
    return (in_time and certificate.renewed_by is None
            and not any(r.state == RenewalState.pending for r in certificate.renewals))


def _hours(value: float) -> str:
    return f"{value:g}"


def cpd_shortfalls(evaluation) -> list[str]:
    """What the log still lacks, one message per rule not met."""
    return [
        _("CPD in all: %(done)s of the %(needed)s hours needed.", done=_hours(r.done),
          needed=_hours(r.needed)) if r.category is None else
        _("CPD in %(category)s: %(done)s of the %(needed)s hours needed.",
          category=category_title(r.category), done=_hours(r.done), needed=_hours(r.needed))
        for r in evaluation.failed]


def request_renewal(certificate: Certificate, *, narrative: str, by) -> RenewalRequest:
    """Checked against the CPD log: refused, saying what is missing, when a rule is not met
    (docs/cpd.md); the figures weighed are kept with the request."""
    if lapsed(certificate):
        raise DomainError(ngettext(
            "This certificate expired more than %(num)d year ago: it can no longer be renewed, "
            "a full application is needed.",
            "This certificate expired more than %(num)d years ago: it can no longer be renewed, "
            "a full application is needed.", current_app.config["RENEWAL_LAPSE_YEARS"]))
    if not can_request_renewal(certificate):
        raise DomainError(_("This certificate cannot be renewed now."))
    evaluation = evaluation_for(certificate)
    if not evaluation.passed:
        raise DomainError(*cpd_shortfalls(evaluation))
    request = RenewalRequest(certificate=certificate, cpd_hours=round(evaluation.total),
                             narrative=narrative.strip(), cpd_summary=evaluation.summary())
    db.session.add(request)
    db.session.flush()
    audit.record("certificate.renewal_request", certificate, actor=by, request=request.id,
                 cpd_hours=evaluation.total)
    return request


def must_pass_criteria(request: RenewalRequest) -> list[Criterion]:
    return [c for c in request.certificate.rubric_version.criteria
            if c.min_pass_level is not None]


def record_reassessment(request: RenewalRequest, findings: dict[int, tuple[int, str]], *,
                        by) -> None:
    """A reviewer's level and comment for each must-pass criterion (criterion id -> (level,
    comment)); a second recording replaces the first."""
    if request.state != RenewalState.pending:
        raise _not_applicable()
    problems = []
    for criterion in must_pass_criteria(request):
        level, comment = findings.get(criterion.id, (None, ""))
        if level not in {lv.value for lv in criterion.levels} or not comment.strip():
            problems.append(_("%(code)s: choose a level and write a comment.",
                              code=criterion.code))
    if problems:
        raise DomainError(*problems)
    for old in list(request.findings):
        db.session.delete(old)
    db.session.flush()
    for criterion in must_pass_criteria(request):
        level, comment = findings[criterion.id]
        request.findings.append(RenewalFinding(criterion=criterion, level=level,
                                               comment=comment.strip(), reviewer_id=by.id))
    db.session.flush()
    audit.record("certificate.renewal_reassessed", request.certificate, actor=by,
                 request=request.id, levels={str(c): f[0] for c, f in findings.items()})


def _reassessment_problems(request: RenewalRequest) -> list[str]:
    found = {f.criterion_id: f for f in request.findings}
    if any(c.id not in found for c in must_pass_criteria(request)):
        return [_("A reviewer must first re-assess the must-pass criteria.")]
    return [_("%(code)s: re-assessed below its must-pass level.", code=c.code)
            for c in must_pass_criteria(request) if found[c.id].level < c.min_pass_level]


def approve_renewal(request: RenewalRequest, *, reason: str, by) -> Certificate:
    """A new certificate continuing the old one: its period starts when the old one ends
    (or today, if that is later); the old record links to it. Only a pending request, of a
    certificate neither revoked nor renewed already."""
    if request.state != RenewalState.pending:
        raise _not_applicable()
    old = request.certificate
    if old.revoked_at is not None or old.renewed_by is not None:
        raise _not_applicable()
    if problems := _reassessment_problems(request):
        raise DomainError(*problems)
    now = utcnow()
    renewed = _new_certificate(
        track=old.track, branch=old.branch, issued_at=now,
        valid_from=max(now.date(), old.valid_until + timedelta(days=1)),
        holder=old.holder, holder_name=old.holder_name,
        holder_name_native=old.holder_name_native, rubric_version=old.rubric_version,
        renewed_from=old, is_private=old.is_private, band=old.band, specialism=old.specialism,
    )
    request.state = RenewalState.approved
    request.decided_at = now
    request.decided_by_id = by.id
    request.reason = reason
    request.new_certificate = renewed
    db.session.flush()
    audit.record("certificate.renew", old, actor=by, new_number=renewed.number, reason=reason)
    events.status_changed.send(old, event=events.RENEWED, at=now, renewed_by=renewed)
    return renewed


def refuse_renewal(request: RenewalRequest, *, reason: str, by) -> None:
    if request.state != RenewalState.pending:
        raise _not_applicable()
    request.state = RenewalState.refused
    request.decided_at = utcnow()
    request.decided_by_id = by.id
    request.reason = reason
    db.session.flush()
    audit.record("certificate.renewal_refused", request.certificate, actor=by, reason=reason)
