"""The signed Bitstring Status Lists: one for revocation, one for suspension, each bit set
when its column is (a certificate revoked while suspended stays on both lists). Credentials
name the revocation list only; the suspension list serves those issued before."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates.issuer import issuer_id, status_list_url
from certify.certificates.keys import sign_with_active_key
from certify.certificates.models import Certificate, ReviewerCredential, SupersededCredential
from certify.core.db_types import utcnow
from certify.core.extensions import db

FLAGGED_BY = {"revocation": Certificate.revoked_at, "suspension": Certificate.suspended_at}
# The same columns of reviewers' credentials, whose places are on the same lists.
REVIEWER_FLAGGED_BY = {"revocation": ReviewerCredential.revoked_at,
                       "suspension": ReviewerCredential.suspended_at}
STATUS_PURPOSES = tuple(FLAGGED_BY)
# The purpose of the one status entry a credential carries. The suspension list stays
# served for credentials issued with two entries.
REVOCATION = "revocation"


def bits_of(certificate) -> dict[str, bool]:
    """Each list's bit for a certificate (or a row of its ``FLAGGED_BY`` columns)."""
    return {purpose: getattr(certificate, column.key) is not None
            for purpose, column in FLAGGED_BY.items()}


def status_bits(purpose: str) -> bytearray:
    """The list's bits: a certificate's or a reviewer's credential's place when its column is
    set, and on the revocation list every superseded credential's place."""
    bits = bytearray(vc.STATUS_LIST_MIN_ENTRIES // 8)
    for model, flagged_by in ((Certificate, FLAGGED_BY), (ReviewerCredential, REVIEWER_FLAGGED_BY)):
        for index in db.session.scalars(sa.select(model.status_index).where(
                flagged_by[purpose].is_not(None), model.status_index.is_not(None))):
            vc.set_status_bit(bits, index, True)
    if purpose == REVOCATION:
        for index in db.session.scalars(sa.select(SupersededCredential.status_index)):
            vc.set_status_bit(bits, index, True)
    return bits


def status_list_credential(purpose: str) -> dict[str, Any]:
    """The signed BitstringStatusListCredential of one purpose, as of now."""
    document = {
        "@context": [vc.VC_CONTEXT],
        "id": status_list_url(purpose),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": vc.timestamp(utcnow()),
        "credentialSubject": {
            "id": f"{status_list_url(purpose)}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": vc.encode_status_list(status_bits(purpose)),
        },
    }
    return sign_with_active_key(document)
