"""Signed checkpoints of the audit chain's head: what someone with database access cannot forge.

The hash chain (audit.py) shows an edit, but whoever can write the database can recompute the
whole chain after it, or delete the newest entries. A checkpoint records the id and hash of the
newest entry at one moment, signed with a key kept outside the database (the issuer's Ed25519
key). ``flask --app certify audit checkpoint`` makes one (cron), ``/audit/checkpoints.json``
publishes them and backups keep them, and ``audit verify`` checks the chain against each: an
entry missing from a checkpointed length, or a different hash at a checkpointed entry, is found.

Core signs nothing itself (it must not know the certificates package): the application factory
registers an :class:`AuditSigner` under ``app.extensions["audit_signer"]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from certify.core.audit import CHAIN_LOCK, GENESIS, AuditEvent
from certify.core.db_types import UTCDateTime, utcnow
from certify.core.extensions import db

PAYLOAD_TYPE = "certify-audit-checkpoint/1"
EXTENSION = "audit_signer"


class AuditCheckpoint(db.Model):
    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The newest audit entry when the checkpoint was made (0: the log was empty), and its hash.
    event_id: Mapped[int] = mapped_column(index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))  # the signing key, multibase 'z6Mk…'
    signature: Mapped[str] = mapped_column(String(128))  # Ed25519 over payload(), base64


@dataclass(frozen=True)
class AuditSigner:
    """How checkpoints are signed and checked; supplied by a higher layer."""
    sign: Callable[[bytes], tuple[str, str]]  # bytes -> (key multibase, signature base64)
    verify: Callable[[bytes, str, str], bool]  # (bytes, key, signature) -> valid?
    trusted: Callable[[], Iterable[str]]  # the keys this instance believes
    # Makes the signing key if there is none yet (which may append to the log itself).
    prepare: Callable[[], object] = lambda: None


def signer() -> AuditSigner:
    return current_app.extensions[EXTENSION]


def payload(created_at: datetime, event_id: int, head_hash: str) -> bytes:
    """The signed bytes: the JCS form (RFC 8785) of the checkpoint's statement. Every value is
    an ASCII string or an integer, so sorted keys and no spaces are exactly JCS."""
    return json.dumps({"type": PAYLOAD_TYPE, "created_at": created_at.isoformat(),
                       "event_id": event_id, "head_hash": head_hash},
                      sort_keys=True, separators=(",", ":")).encode("ascii")


def checkpoint_payload(checkpoint: AuditCheckpoint) -> bytes:
    return payload(checkpoint.created_at, checkpoint.event_id, checkpoint.head_hash)


def create_checkpoint() -> AuditCheckpoint:
    """Sign the chain's current head (added to the session; the caller commits)."""
    chosen = signer()
    chosen.prepare()  # a new key's own audit entry comes before the head that is signed
    sign = chosen.sign
    if db.session.get_bind().dialect.name == "postgresql":
        # No entry is appended between reading the head and signing it.
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    head = db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash)
                              .order_by(AuditEvent.id.desc()).limit(1)).first()
    event_id, head_hash = (head.id, head.hash) if head else (0, GENESIS)
    moment = utcnow()
    key, signature = sign(payload(moment, event_id, head_hash))
    checkpoint = AuditCheckpoint(created_at=moment, event_id=event_id, head_hash=head_hash,
                                 key=key, signature=signature)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def checkpoints(limit: int | None = None) -> list[AuditCheckpoint]:
    """The newest first."""
    return list(db.session.scalars(sa.select(AuditCheckpoint)
                                   .order_by(AuditCheckpoint.id.desc()).limit(limit)))


def check_checkpoints() -> tuple[int, list[str]]:
    """Each checkpoint's signature, and the chain against it: (checkpoints checked, problems)."""
    checker = signer()
    trusted = set(checker.trusted())
    found = checkpoints()
    named = {checkpoint.event_id for checkpoint in found}
    hashes = {row.id: row.hash for row in db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(named)))}
    newest = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    problems = []
    for checkpoint in found:
        name = (f"checkpoint {checkpoint.id} ({checkpoint.created_at:%Y-%m-%d %H:%M} UTC, "
                f"entry {checkpoint.event_id})")
        if checkpoint.key not in trusted:
            problems.append(f"{name}: signed by {checkpoint.key}, a key this instance does not "
                            "trust")
        elif not checker.verify(checkpoint_payload(checkpoint), checkpoint.key,
                                checkpoint.signature):
            problems.append(f"{name}: its signature does not verify (the checkpoint was altered)")
        if checkpoint.event_id == 0:
            continue
        if checkpoint.event_id > newest:
            problems.append(f"{name}: the log ends at entry {newest}, so the newest entries "
                            "were removed")
        elif checkpoint.event_id not in hashes:
            problems.append(f"{name}: its entry was removed")
        elif hashes[checkpoint.event_id] != checkpoint.head_hash:
            problems.append(f"{name}: the entry's hash differs from the signed head, so the "
                            "chain was rewritten")
    return len(found), problems
