"""An append-only, hash-chained record of who did what, when (OWASP ASVS 16.2.1, 16.4.2).

Each entry carries the SHA-256 of its own content and of the entry before it, so an edited or
deleted row breaks the chain where it happened: ``flask --app certify audit verify`` finds it.
The database refuses UPDATE and DELETE on the table (triggers, migration 0014).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from certify.core.db_types import UTCDateTime, utcnow
from certify.core.extensions import db

GENESIS = "0" * 64
# One writer at a time appends to the chain (a PostgreSQL transaction-level advisory lock).
CHAIN_LOCK = 0x6365727469667921
VERIFY_BATCH = 1000  # entries read at a time by verify_chain


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # An object's history (a certificate's page) and the audit log's filters.
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


def entry_hash(prev_hash: str, created_at: datetime, actor_id: int | None, action: str,
               object_type: str, object_id: int | None, data: dict) -> str:
    canonical = json.dumps(
        [prev_hash, created_at.isoformat(), actor_id, action, object_type, object_id, data],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return entry_hash(event.prev_hash, event.created_at, event.actor_id, event.action,
                      event.object_type, event.object_id, event.data)


def record(action: str, obj: Any = None, *, actor: Any = None, **data: Any) -> AuditEvent:
    """Append an entry to the current transaction (flushed now, committed with it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    previous = db.session.scalar(
        sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        created_at=utcnow(),
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        # Stored exactly as hashed: plain JSON values only.
        data=json.loads(json.dumps(data, default=str)),
        prev_hash=previous or GENESIS,
    )
    event.hash = _hash_of(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class Break:
    event_id: int
    problem: str


def verify_chain(batch: int = VERIFY_BATCH) -> tuple[int, list[Break]]:
    """Walk the log in order; report every entry whose content or link does not match.

    One streaming pass: the entries are read ``batch`` at a time (a server-side cursor on
    PostgreSQL), as plain rows, and only the previous entry's hash is kept, so memory stays the
    same however long the log."""
    breaks: list[Break] = []
    expected_prev = GENESIS
    count = 0
    columns = (AuditEvent.id, AuditEvent.prev_hash, AuditEvent.created_at, AuditEvent.actor_id,
               AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.data,
               AuditEvent.hash)
    rows = db.session.execute(sa.select(*columns).order_by(AuditEvent.id)
                              .execution_options(yield_per=batch))
    for event_id, prev_hash, created_at, actor_id, action, object_type, object_id, data, stored \
            in rows:
        count += 1
        if prev_hash != expected_prev:
            breaks.append(Break(event_id, "the entry before it was changed or removed"))
        if entry_hash(prev_hash, created_at, actor_id, action, object_type, object_id,
                      data) != stored:
            breaks.append(Break(event_id, "its content was changed"))
        expected_prev = stored
    return count, breaks
