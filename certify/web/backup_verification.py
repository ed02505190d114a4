"""Each certificate's verification result at a moment: what a backup's manifest records and a
restore must reproduce (backup.py). The signatures are checked on every core
(``proof_pool``); equal results are held once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates.models import Certificate
from certify.certificates.proof_memory import checking_processes, keep_checks
from certify.certificates.proof_pool import proof_checker
from certify.certificates.status import certificate_status
from certify.certificates.verification import trusted_key_multibases, verify_document
from certify.core.extensions import db

VERIFY_BATCH = 200  # certificates checked at a time; two batches are in memory at once


def verification_results(moment: datetime) -> dict[str, dict[str, Any]]:
    """Each certificate's status and the result of verifying its credential, as at *moment*.
    The certificates are read ``VERIFY_BATCH`` at a time and let go once checked (the signed
    credential is the bulk of each), so only the results stay in memory. The signatures of a
    batch are checked on every core (``proof_pool``: a pure function of each credential's
    exact text) while the previous batch gets the rest of its checks here, from the rows: our
    keys (read once, in the same snapshot or transaction), status lists, register and dates."""
    results: dict[str, dict[str, Any]] = {}
    distinct: dict[str, dict[str, Any]] = {}  # each distinct result, by its JSON
    statement = sa.select(Certificate).order_by(Certificate.id).execution_options(
        yield_per=VERIFY_BATCH)
    trusted = trusted_key_multibases()
    with proof_checker(checking_processes()) as checker:
        previous = None
        for batch in db.session.scalars(statement).partitions():
            texts = {certificate.id: text for certificate in batch if certificate.credential
                     and (text := vc.exact_text(certificate.credential)) is not None}
            started = (batch, texts, checker.start(list(texts.values())))
            if previous:
                _finish_batch(*previous, moment, trusted, results, distinct)
            previous = started
        if previous:
            _finish_batch(*previous, moment, trusted, results, distinct)
    return results


def _finish_batch(batch: list[Certificate], texts: dict[int, str], proofs: Iterator,
                  moment: datetime, trusted: set[str], results: dict[str, dict[str, Any]],
                  distinct: dict[str, dict[str, Any]]) -> None:
    checked = dict(zip(texts, proofs, strict=True))
    # Made on every core: kept for the first verification of each (after a restore above all).
    keep_checks((texts[key], proof) for key, proof in checked.items())
    for certificate in batch:
        verification = (verify_document(certificate.credential, now=moment, stored=certificate,
                                        proof=checked.get(certificate.id),
                                        trusted_keys=trusted).as_dict()
                        if certificate.credential else None)
        status = certificate_status(certificate, on=moment.date())
        result = {"status": str(status), "verification": verification}
        # Nearly every certificate gives the same result (every check passed, the same key):
        # one copy is kept for all that are equal (7,543 copies held 25 MB at 100×).
        results[certificate.number] = distinct.setdefault(json.dumps(result, sort_keys=True),
                                                          result)
        db.session.expunge(certificate)
