"""Finding certificates: by number for the public, one per page with its access check, and a
certificate's history (the administrators' lists are in ``lists.py``)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import defer, joinedload

from certify.certificates.models import Certificate, RenewalRequest, RenewalState
from certify.certificates.numbering import is_certificate_number, normalise
from certify.certificates.permissions import is_holder
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.users.models import Branch
from rubrics.models import Rubric, RubricVersion

WITH_NEIGHBOURS = (
    joinedload(Certificate.branch), joinedload(Certificate.renewed_by),
    joinedload(Certificate.rubric_version).joinedload(RubricVersion.rubric),
)
# The public page, in one statement: of the neighbours only the columns it shows (the renewal
# links are certificate numbers, not whole certificates with their signed credentials).
AS_VERIFIED = (
    joinedload(Certificate.branch).load_only(Branch.name),
    joinedload(Certificate.renewed_from).load_only(Certificate.number),
    joinedload(Certificate.renewed_by).load_only(Certificate.number),
    joinedload(Certificate.rubric_version).load_only(RubricVersion.number, RubricVersion.bands)
    .joinedload(RubricVersion.rubric).load_only(Rubric.title),
)


def find_certificate(number: str, *options) -> Certificate | None:
    """The certificate of that number, loaded with ``options`` (by default: with its branch,
    rubric and renewal, which the pages show)."""
    number = normalise(number)
    if not is_certificate_number(number):
        return None
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.number == number)
        .options(*(options or WITH_NEIGHBOURS))
    )


def find_certificates(numbers: list[str]) -> dict[str, Certificate]:
    """The certificates of these (normalised) numbers, by number, with their rubric version's
    band titles and without their signed credentials (about 10 KB of JSON a row, which a
    public record does not show)."""
    wanted = [n for n in numbers if is_certificate_number(n)]
    if not wanted:
        return {}
    found = db.session.scalars(sa.select(Certificate).where(Certificate.number.in_(wanted))
                               .options(defer(Certificate.credential),
                                        joinedload(Certificate.rubric_version)
                                        .load_only(RubricVersion.bands)))
    return {c.number: c for c in found}


def get_certificate_or_404(certificate_id: int, *, check: Callable[..., bool]) -> Certificate:
    """The certificate, or 404; 403 unless ``check(current_user, certificate)``."""
    certificate = db.get_or_404(Certificate, certificate_id)
    if not check(current_user, certificate):
        abort(403)
    return certificate


def own_certificate_or_404(number: str) -> Certificate:
    """The current user's certificate of that number; someone else's is a 404 too: not even
    its existence is confirmed."""
    certificate = find_certificate(number)
    if certificate is None or not is_holder(current_user, certificate):
        abort(404)
    return certificate


def certificates_of(holder) -> list[Certificate]:
    """A holder's certificates, newest first (one query)."""
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.holder_id == holder.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def get_renewal_or_404(request_id: int, *, check: Callable[..., bool]) -> RenewalRequest:
    """The renewal request, or 404; 403 unless ``check(current_user, request)``."""
    renewal = db.get_or_404(RenewalRequest, request_id)
    if not check(current_user, renewal):
        abort(403)
    return renewal


def history_of(certificate: Certificate) -> list[AuditEvent]:
    """What was done to the certificate, oldest first, from the audit log."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "Certificate",
                                    AuditEvent.object_id == certificate.id)
        .order_by(AuditEvent.created_at)
    ))


def pending_renewals(user) -> int:
    """How many renewal requests wait for a decision among the certificates a user
    administers (one COUNT)."""
    query = (sa.select(sa.func.count(RenewalRequest.id))
             .join(Certificate, Certificate.id == RenewalRequest.certificate_id)
             .where(RenewalRequest.state == RenewalState.pending))
    if not user.is_admin:
        query = query.where(Certificate.branch_id.in_(user.coordinated_branch_ids))
    return db.session.scalar(query)


# What the history on a certificate's page calls each audit event (never the raw code).
HISTORY_TITLES = {
    "certificate.issue": _l("Issued"),
    "certificate.revoke": _l("Revoked"),
    "certificate.suspend": _l("Suspended"),
    "certificate.reinstate": _l("Reinstated"),
    "certificate.correct_name": _l("Holder's name corrected"),
    "certificate.privacy": _l("Public listing changed by the holder"),
    "certificate.renewal_request": _l("Renewal requested"),
    "certificate.renew": _l("Renewed"),
    "certificate.renewal_refused": _l("Renewal refused"),
}
