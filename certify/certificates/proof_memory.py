"""The signature checks of our own credentials, remembered by their exact text: in each process
and, with a public cache, in Redis for every worker (issue 17).

Checking a credential's two proofs is the largest part of an uncached verification answer (the
rdfc proof canonicalises JSON-LD: about 2 ms of a 7 ms answer, far more on a busy machine), and
the answer depends on nothing but the credential's exact text (``credentials.exact_text``):
the did:key or DID fragment in each proof names the key, and whether that key is ours is
decided afterwards, from the database, on every request. So a check is made once per text:

- when the credential is signed (``remember``), so that a certificate's first verification
  finds it already made;
- otherwise on the first verification, in whichever worker comes first.

In Redis (``certify.core.computed_cache``, beside the staff's kept figures) a check is kept
under an HMAC of the text with the application's secret key: a stored credential changed in
any byte (content, proof value, verification method) is another text, whose key nobody without
the secret can name, so it is checked afresh; a value that is not a check is ignored. It is
kept for ``PROOF_CHECK_SECONDS`` (a check never goes stale);
``flask certificates remember-proofs`` makes every stored credential's check again, on every
core, after Redis lost its data (docs/deployment.md).

Only for credentials read from our own records (bounded in number and size): a document a
visitor sends is checked on its own (``credentials.verify_proof``), never kept.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from certify.certificates import credentials as vc
from certify.certificates.models import Certificate, ReviewerCredential
from certify.certificates.proof_pool import proof_checker
from certify.certificates.proofs import ProofSet
from certify.core.computed_cache import keep_all, recalled
from certify.core.extensions import db

# Checks remembered per process: a process holds about 10 KB of text for each.
REMEMBERED_PROOFS = 512
# How long a check is kept in Redis: it never goes stale, but checks nobody asks for go.
PROOF_CHECK_SECONDS = 90 * 24 * 3600


def kept_under(text: str) -> tuple:
    """What the check of *text* is kept under: an HMAC of it with the secret key."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return ("proof check", hmac.new(secret, text.encode(), hashlib.sha256).hexdigest())


def _shared_memory() -> bool:
    return has_app_context() and bool(current_app.config.get("PUBLIC_CACHE_URL"))


def _shared(text: str) -> ProofSet | None:
    if not _shared_memory():
        return None
    try:
        return ProofSet.from_json(recalled(kept_under(text)) or "")
    except (TypeError, ValueError):  # none kept, or not a check
        return None


@functools.lru_cache(maxsize=REMEMBERED_PROOFS)
def _proof_of_text(text: str) -> ProofSet:
    # The check, not the app, is what is cached here: it is the same in every app.
    proof = _shared(text)
    if proof is None:
        proof = vc.verify_proof(json.loads(text))
        keep_checks([(text, proof)])
    return proof


def remembered_proof(document: Mapping[str, Any]) -> ProofSet:
    """``credentials.verify_proof(document)``, made once per exact text: the check parsed back
    from that same text, so the text is all it depends on."""
    text = vc.exact_text(document)
    return vc.verify_proof(document) if text is None else _proof_of_text(text)


def remember(document: Mapping[str, Any]) -> None:
    """Make and keep the check of a credential just signed, for its first verification."""
    if _shared_memory():
        remembered_proof(document)


def keep_checks(pairs: Iterable[tuple[str, ProofSet]]) -> int:
    """Keep checks already made (exact text, its check), e.g. on every core by
    ``proof_pool``; how many were kept."""
    if not _shared_memory():
        return 0
    # JSON text of the check's JSON text: from_json reads back exactly what to_json wrote.
    entries = [(kept_under(text), json.dumps(proof.to_json())) for text, proof in pairs]
    keep_all(entries, PROOF_CHECK_SECONDS)
    return len(entries)


def checking_processes() -> int:
    """How many processes check signatures in bulk (backup, restore, remember-proofs)."""
    configured = current_app.config.get("BACKUP_VERIFY_PROCESSES")
    return int(configured) if configured else os.cpu_count() or 1


def remember_stored(batch: int = 200) -> int:
    """Check the signatures of every stored credential (certificates' and reviewers') on
    every core and keep each check; how many were kept. Read ``batch`` at a time."""
    kept = 0
    with proof_checker(checking_processes()) as checker:
        for column in (Certificate.credential, ReviewerCredential.credential):
            query = (sa.select(column).where(column.is_not(None))
                     .execution_options(yield_per=batch))
            for rows in db.session.execute(query).partitions():
                texts = [text for (document,) in rows
                         if (text := vc.exact_text(document)) is not None]
                kept += keep_checks(zip(texts, checker.start(texts), strict=True))
    return kept
