"""Verifying a credential against our own records: our keys (retired ones too), our status
lists as we would serve them now, and the certificate -- or the reviewer's credential record
(issue 19) -- a credential belongs to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates.issuer import issuer_id, legacy_issuer_ids, status_list_url
from certify.certificates.models import (
    Certificate,
    ReviewerCredential,
    SigningKey,
    SupersededCredential,
)
from certify.certificates.proof_memory import remembered_proof
from certify.certificates.proofs import ProofSet
from certify.certificates.reviewer_credentials import reviewer_credential_by_id
from certify.certificates.status_lists import (
    FLAGGED_BY,
    REVIEWER_FLAGGED_BY,
    REVOCATION,
    STATUS_PURPOSES,
    bits_of,
)
from certify.core.extensions import db


def trusted_key_multibases() -> set[str]:
    """Every key of ours, retired ones too (older credentials stay verifiable), read anew for
    each verification: whether a key is ours is never remembered between requests (a kept
    public answer is dropped when any key changes: certify/core/public_cache.py)."""
    return set(db.session.scalars(sa.select(SigningKey.public_key_multibase)))


def _our_status(stored: Certificate | None = None,
                superseded: set[int] | None = None) -> Callable[[dict], bool | None]:
    """``status(entry)`` for ``vc.verify_credential``: the bit of one of *our* status lists at
    the entry's index, as the list we would serve now says it.

    The bit is read from our records in this request, never remembered between requests: the
    certificate at that index (``status_index`` is unique) is revoked or suspended. ``stored``
    is a certificate row this request has just read: at its own index its columns answer with
    no further query. A list that is not ours is not fetched (no requests to addresses taken
    from input) and counts as "could not be checked". The place of a superseded credential
    is set on the revocation list; such indexes are added to ``superseded``."""
    bits: dict[int, dict[str, bool]] = {}  # index -> purpose -> bit
    if stored is not None and stored.status_index is not None:
        bits[stored.status_index] = bits_of(stored)

    def status(entry: dict) -> bool | None:
        url = entry.get("statusListCredential")
        purpose = entry.get("statusPurpose")
        if purpose not in STATUS_PURPOSES or url != status_list_url(purpose):
            return None
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            return None
        if not 0 <= index < vc.STATUS_LIST_MIN_ENTRIES:
            return None
        if index not in bits:
            row = db.session.execute(sa.select(*FLAGGED_BY.values())
                                     .where(Certificate.status_index == index)).one_or_none()
            if row is None:  # the place of a reviewer's credential, if any
                row = db.session.execute(
                    sa.select(*REVIEWER_FLAGGED_BY.values())
                    .where(ReviewerCredential.status_index == index)).one_or_none()
            bits[index] = bits_of(row) if row else dict.fromkeys(STATUS_PURPOSES, False)
            if row is None and db.session.scalar(sa.select(SupersededCredential.id).where(
                    SupersededCredential.status_index == index)) is not None:
                bits[index][REVOCATION] = True
                if superseded is not None:
                    superseded.add(index)
        return bits[index][purpose]

    return status


def _number_of(document: dict) -> str | None:
    subject = document.get("credentialSubject")
    number = subject.get("licenseNumber") if isinstance(subject, dict) else None
    return number if isinstance(number, str) else None


NO_RECORD = object()  # no certificate of that number


def _register_value(number: str, stored: Certificate | None, column) -> Any:
    """One column of the certificate numbered *number*: from ``stored`` when it is that one
    (no query), else read now; NO_RECORD when we have no such certificate."""
    if stored is not None and stored.number == number:
        return getattr(stored, column.key)
    row = db.session.execute(sa.select(column).where(Certificate.number == number)).one_or_none()
    return NO_RECORD if row is None else row[0]


def _our_current(stored: Certificate | None = None) -> Callable[[dict], bool | None]:
    """``current(document)`` for ``vc.verify_credential``: the credential is the one its
    certificate (by the signed licence number) holds now -- the same id *and* the same content
    (canonical digests, the proofs left out). A correction re-issues the credential under a new
    id, so an older credential of ours names the number but not the current id; copies issued
    before that fix kept the current id with the old content, and differ in their digest.
    None when we have no certificate of that number (or it names no credential)."""

    def current(document: dict) -> bool | None:
        number = _number_of(document)
        if number is None:  # a reviewer's credential names no number: found by its id
            record = reviewer_credential_by_id(document.get("id"))
            if record is None or record.credential is None:
                return None
            return vc.content_digest(document) == vc.content_digest(record.credential)
        if stored is not None and stored.number == number:
            current_id, credential = stored.credential_id, stored.credential
        else:
            found = db.session.execute(
                sa.select(Certificate.credential_id, Certificate.credential)
                .where(Certificate.number == number)).one_or_none()
            if found is None:
                return None
            current_id, credential = found.credential_id, found.credential
        if current_id is None or credential is None:
            return None
        if document.get("id") != current_id:
            return False
        return document is credential or (
            vc.content_digest(document) == vc.content_digest(credential))

    return current


def _register_suspension(document: dict, result: vc.Verification,
                         stored: Certificate | None) -> vc.Check:
    """Whether the register has the credential's certificate suspended, for credentials that
    carry no suspension entry (one status entry: revocation). Asked only when the signature
    and the issuer key passed: otherwise the number named may be anyone's."""
    outcome = {check.check: check.ok for check in result.checks}
    if outcome.get("signature") is not True:
        return vc.Check("suspension", None, vc.NOT_CHECKED)
    if outcome.get("issuer_key") is not True:
        return vc.Check("suspension", None, "not checked: not a credential of this issuer")
    number = _number_of(document)
    if number is None:
        record = reviewer_credential_by_id(document.get("id"))
        suspended_at = NO_RECORD if record is None else record.suspended_at
    else:
        suspended_at = _register_value(number, stored, Certificate.suspended_at)
    if suspended_at is NO_RECORD:
        return vc.Check("suspension", None, "the issuer has no record of this credential")
    return vc.Check("suspension", suspended_at is None,
                    "" if suspended_at is None else "suspension")


def verify_document(document: dict[str, Any], *, now: datetime | None = None,
                    stored: Certificate | None = None,
                    proof: ProofSet | None = None,
                    trusted_keys: set[str] | None = None) -> vc.Verification:
    """Verify a credential against our keys and our status lists as they are now; a
    credential without a suspension entry is checked for suspension against the register.

    ``stored``: the certificate, just read in this request, whose stored credential
    ``document`` is. Its status columns then answer for its own index, and the signature check
    may be remembered by the credential's exact text (``proof_memory``): a stored credential
    changed in any byte is checked afresh. ``proof``: the signature check of
    ``document`` made already (backup and restore check many at once: ``proof_pool``), and
    ``trusted_keys`` the keys of ours read for all of them at once (``trusted_key_multibases``
    in the same transaction)."""
    superseded: set[int] = set()
    if proof is None and stored is not None:
        proof = remembered_proof(document)
    result = vc.verify_credential(
        document,
        trusted_keys=trusted_key_multibases() if trusted_keys is None else trusted_keys,
        issuer_id=issuer_id(),
        legacy_issuer_ids=legacy_issuer_ids(),
        status=_our_status(stored, superseded),
        now=now,
        current=_our_current(stored),
        proof=proof,
    )
    if superseded:  # the bit is set because a newer credential replaced this one
        result.checks = [vc.Check(REVOCATION, False, vc.SUPERSEDED)
                         if check.check == REVOCATION and check.ok is False else check
                         for check in result.checks]
    if not any(check.check == "suspension" for check in result.checks):
        after_revocation = next(n for n, check in enumerate(result.checks)
                                if check.check == "revocation") + 1
        result.checks.insert(after_revocation, _register_suspension(document, result, stored))
    return result


def certificate_for(document: dict[str, Any]) -> Certificate | None:
    """Our record of a credential, by its id, or -- for a credential since superseded by a
    newer one -- by the licence number it names (the page links it only when the signature
    holds)."""
    credential_id = document.get("id")
    if not isinstance(credential_id, str):
        return None
    found = db.session.scalar(sa.select(Certificate).where(
        Certificate.credential_id == credential_id))
    subject = document.get("credentialSubject")
    number = subject.get("licenseNumber") if isinstance(subject, dict) else None
    if found is None and isinstance(number, str):
        found = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    return found
