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


def payload(created_at: datetime | str, event_id: int, head_hash: str) -> bytes:
    """The signed bytes: the JCS form (RFC 8785) of the checkpoint's statement. Every value is
    an ASCII string or an integer, so sorted keys and no spaces are exactly JCS. ``created_at``
    as published (ISO 8601 text) or as stored."""
    moment = created_at if isinstance(created_at, str) else created_at.isoformat()
    return json.dumps({"type": PAYLOAD_TYPE, "created_at": moment,
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


@dataclass(frozen=True)
class Statement:
    """One checkpoint as it is checked: a row of ours or one of a saved copy of the published
    list (``created_at`` as published text)."""
    id: int
    created_at: str
    event_id: int
    head_hash: str
    key: str
    signature: str

    @classmethod
    def of(cls, checkpoint: AuditCheckpoint) -> Statement:
        return cls(checkpoint.id, checkpoint.created_at.isoformat(), checkpoint.event_id,
                   checkpoint.head_hash, checkpoint.key, checkpoint.signature)

    def name(self, kind: str = "checkpoint") -> str:
        when = self.created_at[:16].replace("T", " ")
        return f"{kind} {self.id} ({when} UTC, entry {self.event_id})"


def _check_statements(statements: list[Statement], kind: str) -> list[str]:
    """Each checkpoint's signature by a key this instance trusts, and the chain against the
    head it signed."""
    checker = signer()
    trusted = set(checker.trusted())
    named = {statement.event_id for statement in statements}
    hashes = {row.id: row.hash for row in db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(named)))}
    newest = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    problems = []
    for statement in statements:
        name = statement.name(kind)
        if statement.key not in trusted:
            problems.append(f"{name}: signed by {statement.key}, a key this instance does not "
                            "trust")
        elif not checker.verify(payload(statement.created_at, statement.event_id,
                                        statement.head_hash),
                                statement.key, statement.signature):
            problems.append(f"{name}: its signature does not verify (the checkpoint was altered)")
        if statement.event_id == 0:
            continue
        if statement.event_id > newest:
            problems.append(f"{name}: the log ends at entry {newest}, so the newest entries "
                            "were removed")
        elif statement.event_id not in hashes:
            problems.append(f"{name}: its entry was removed")
        elif hashes[statement.event_id] != statement.head_hash:
            problems.append(f"{name}: the entry's hash differs from the signed head, so the "
                            "chain was rewritten")
    return problems


def check_checkpoints() -> tuple[int, list[str]]:
    """Each checkpoint's signature, and the chain against it: (checkpoints checked, problems)."""
    found = [Statement.of(checkpoint) for checkpoint in checkpoints()]
    return len(found), _check_statements(found, "checkpoint")


class SavedCopyError(ValueError):
    """A saved copy of /audit/checkpoints.json that cannot be read as one."""


def saved_statements(document: object) -> list[Statement]:
    """The checkpoints of a saved copy of ``/audit/checkpoints.json`` (the published object, or
    its bare list); SavedCopyError naming the first entry that is not a checkpoint."""
    items = document.get("checkpoints") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise SavedCopyError('expected the published object with a "checkpoints" list')
    fields = {"id": int, "created_at": str, "event_id": int, "head_hash": str, "key": str,
              "signature": str}
    statements = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or any(
                type(item.get(name)) is not kind for name, kind in fields.items()):
            raise SavedCopyError(f"entry {position} is not a checkpoint (it needs "
                                 f"{', '.join(fields)})")
        statements.append(Statement(**{name: item[name] for name in fields}))
    return statements


def check_saved_checkpoints(saved: list[Statement]) -> list[str]:
    """A saved copy of the published checkpoints against this instance: each must verify with a
    trusted key and hold for the log as it is now (which catches the newest entries deleted
    *with* the checkpoint rows that named them), and each must still be one of ours, unchanged
    (a checkpoint row deleted or altered in the database is itself a sign of tampering)."""
    problems = _check_statements(saved, "saved checkpoint")
    ours = {statement.id: statement for statement in map(Statement.of, checkpoints())}
    for statement in saved:
        if statement.id not in ours:
            problems.append(f"{statement.name('saved checkpoint')}: no longer in the database "
                            "(checkpoint rows were deleted)")
        elif ours[statement.id] != statement:
            problems.append(f"{statement.name('saved checkpoint')}: the database holds it "
                            "differently (the checkpoint row was altered)")
    return problems
