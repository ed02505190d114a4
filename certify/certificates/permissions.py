"""Who may do what with a certificate: plain predicates of (user, certificate)."""

from __future__ import annotations

from certify.users.models import Role


def can_list_certificates(user) -> bool:
    return user.is_authenticated and user.has_role(Role.admin, Role.coordinator)


def can_see_certificate_admin(user, certificate) -> bool:
    if not can_list_certificates(user):
        return False
    return user.is_admin or certificate.branch_id in user.coordinated_branch_ids


def can_revoke(user, certificate) -> bool:
    """Revoke, suspend, reinstate, correct the name: the administrators'."""
    return user.is_authenticated and user.is_admin


def can_decide_renewal(user, renewal) -> bool:
    return can_revoke(user, renewal.certificate)


def is_holder(user, certificate) -> bool:
    return user.is_authenticated and user.id == certificate.holder_id


def may_download(user, certificate) -> bool:
    """The PDF and the signed credential: anyone's, unless the holder made them private; then
    the holder's and the administrators'."""
    return (not certificate.is_private or is_holder(user, certificate)
            or can_see_certificate_admin(user, certificate))


def is_printable(certificate) -> bool:
    """A printable certificate is offered only while it is not revoked or suspended: a
    printout outlives the status it showed (expired ones print, marked by their dates)."""
    return certificate.revoked_at is None and certificate.suspended_at is None


def can_reassess_renewal(user, renewal) -> bool:
    """The brief re-assessment of a renewal: a reviewer or an administrator, never the
    holder (ISO/IEC 17024 §4.3)."""
    return (user.is_authenticated and user.has_role(Role.reviewer, Role.admin)
            and user.id != renewal.certificate.holder_id)


def may_read_cpd(user, certificates) -> bool:
    """Another person's CPD evidence: staff in scope of one of the holder's certificates, or
    whoever may re-assess a pending renewal of one."""
    return any(can_see_certificate_admin(user, c) or any(
        r.state == "pending" and can_reassess_renewal(user, r) for r in c.renewals)
        for c in certificates)
