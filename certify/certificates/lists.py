"""The certificate register and the renewal requests as lists on the server
(``certify.core.listing``): scoped to the certificates a person administers, searched,
filtered, sorted and cut to a page, without the signed credentials (about 10 KB of JSON a row,
which a list does not show)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload

from certify.certificates.models import Certificate, RenewalFinding, RenewalRequest, RenewalState
from certify.certificates.status import CertificateStatus
from certify.core.db_types import utcnow
from certify.core.listing import Filter, ListPage, ListSpec, contains, integer, one_of, paginate
from certify.users.models import User
from rubrics.models import Track

# What the register shows of a certificate.
REGISTER_COLUMNS = load_only(
    Certificate.number, Certificate.track, Certificate.branch_id, Certificate.holder_name,
    Certificate.issued_at, Certificate.valid_from, Certificate.valid_until,
    Certificate.revoked_at, Certificate.suspended_at, Certificate.is_private,
    Certificate.specialism)


def _status_is(status: str):
    """The SQL of ``certificate_status``: revoked, else suspended, else by today's date."""
    today = utcnow().date()
    in_force = sa.and_(Certificate.revoked_at.is_(None), Certificate.suspended_at.is_(None))
    return {
        CertificateStatus.revoked: Certificate.revoked_at.is_not(None),
        CertificateStatus.suspended: sa.and_(Certificate.revoked_at.is_(None),
                                             Certificate.suspended_at.is_not(None)),
        CertificateStatus.not_yet_valid: sa.and_(in_force, Certificate.valid_from > today),
        CertificateStatus.expired: sa.and_(in_force, Certificate.valid_until < today),
        CertificateStatus.valid: sa.and_(in_force, Certificate.valid_from <= today,
                                         Certificate.valid_until >= today),
    }[CertificateStatus(status)]


def _issued_in(year: str) -> int | None:
    value = integer(year)
    return value if value and 2000 <= value <= date.max.year else None


REGISTER = ListSpec(
    sorts={"issued": Certificate.issued_at, "number": Certificate.number,
           "holder": Certificate.holder_name, "valid_until": Certificate.valid_until},
    default_sort="-issued",
    filters={
        "branch": Filter(integer, lambda v: Certificate.branch_id == v),
        "track": Filter(one_of(*Track), lambda v: Certificate.track == v),
        "status": Filter(one_of(*CertificateStatus), _status_is),
        "year": Filter(_issued_in, lambda v: Certificate.year == v),
    },
    search=lambda text: sa.or_(contains(Certificate.number, text),
                               contains(Certificate.holder_name, text),
                               contains(Certificate.holder_name_native, text)),
    tiebreak=Certificate.id,
)


def _administered(query: sa.Select, user: User) -> sa.Select:
    if not user.is_admin:
        query = query.where(Certificate.branch_id.in_(user.coordinated_branch_ids))
    return query


def register_page(user: User) -> ListPage:
    """The certificates a user administers: all for an administrator, their branches' for a
    coordinator."""
    return paginate(_administered(sa.select(Certificate), user), REGISTER,
                    options=(REGISTER_COLUMNS,))


RENEWALS = ListSpec(
    # Pending first ("pending" > "approved"/"refused" in reverse), then the oldest.
    sorts={"state": (sa.case((RenewalRequest.state == RenewalState.pending, 0), else_=1),
                     RenewalRequest.created_at),
           "created": RenewalRequest.created_at, "holder": Certificate.holder_name},
    default_sort="state",
    filters={"state": Filter(one_of(*RenewalState), lambda v: RenewalRequest.state == v),
             "branch": Filter(integer, lambda v: Certificate.branch_id == v)},
    search=lambda text: sa.or_(contains(Certificate.number, text),
                               contains(Certificate.holder_name, text)),
    tiebreak=RenewalRequest.id,
)


def renewals_page(user: User) -> ListPage:
    """The renewal requests of the certificates a user administers, pending first."""
    query = _administered(
        sa.select(RenewalRequest).join(RenewalRequest.certificate), user)
    return paginate(query, RENEWALS, options=(
        contains_eager(RenewalRequest.certificate).load_only(
            Certificate.number, Certificate.holder_name, Certificate.valid_until),
        joinedload(RenewalRequest.new_certificate).load_only(Certificate.number),
        selectinload(RenewalRequest.findings).joinedload(RenewalFinding.criterion)))
