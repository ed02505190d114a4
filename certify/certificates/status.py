"""Whether a certificate is in force: decided here and nowhere else.

``certificate_status`` reads a certificate's record (the pages, the API, the register, the CLI
and backups) and equally what a checked credential says of its certificate (the API's
``/verify``), so revocation, suspension and the validity period are weighed in one order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from certify.certificates import credentials as vc
from certify.core.db_types import utcnow
from certify.core.i18n import TitledEnum


class CertificateStatus(TitledEnum):
    valid = "valid", _l("Valid")
    not_yet_valid = "not_yet_valid", _l("Not yet valid")
    expired = "expired", _l("Expired")
    suspended = "suspended", _l("Suspended")
    revoked = "revoked", _l("Revoked")


class Standing(Protocol):
    """What the status is decided from: a ``Certificate`` or a ``CredentialStanding``."""

    revoked_at: datetime | None
    suspended_at: datetime | None
    valid_from: date | datetime | None
    valid_until: date | datetime | None


def certificate_status(certificate: Standing, on: date | datetime | None = None
                       ) -> CertificateStatus:
    """Revoked, else suspended, else by the validity period (both of its days included) on
    ``on``: a day for a certificate's dates, a moment for a credential's; today by default."""
    if certificate.revoked_at is not None:
        return CertificateStatus.revoked
    if certificate.suspended_at is not None:
        return CertificateStatus.suspended
    on = on or utcnow().date()
    if certificate.valid_from is not None and on < certificate.valid_from:
        return CertificateStatus.not_yet_valid
    if certificate.valid_until is not None and on > certificate.valid_until:
        return CertificateStatus.expired
    return CertificateStatus.valid


@dataclass(frozen=True)
class CredentialStanding:
    """What a checked credential says of its certificate, in a certificate's terms: a status
    list flagging it counts as revoked (suspended) from the moment of the check; its dates
    count only when the validity check failed on them."""

    revoked_at: datetime | None
    suspended_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None

    @classmethod
    def of(cls, document: dict[str, Any], verification: vc.Verification,
           checked_at: datetime) -> CredentialStanding:
        outcome = {check.check: check.ok for check in verification.checks}
        # A superseded credential's revocation bit is set, but its certificate stands: it
        # counts as superseded (credential_status), not revoked.
        revoked = any(check.check == "revocation" and check.ok is False
                      and check.detail != vc.SUPERSEDED for check in verification.checks)
        valid_from, valid_until = (vc.validity_period(document)
                                   if outcome.get("validity") is False else (None, None))
        return cls(revoked_at=checked_at if revoked else None,
                   suspended_at=checked_at if outcome.get("suspension") is False else None,
                   valid_from=valid_from, valid_until=valid_until)


def credential_status(document: dict[str, Any], verification: vc.Verification,
                      checked_at: datetime) -> str:
    """The status of a credential checked at ``checked_at``; "superseded" when its
    certificate has a newer credential (e.g. after a name correction) and nothing else makes
    it invalid; "unverified" when nothing makes it invalid but not every check passed (a wrong
    key, a changed byte)."""
    status = certificate_status(CredentialStanding.of(document, verification, checked_at),
                                on=checked_at)
    if status == CertificateStatus.valid and any(
            check.check == "current" and check.ok is False for check in verification.checks):
        return "superseded"
    if status == CertificateStatus.valid and not verification.verified:
        return "unverified"
    return str(status)
