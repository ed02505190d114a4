"""A holder's CPD log: entries with their reflection and evidence."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.core.db_types import UTCDateTime, utcnow
from certify.core.extensions import db
from certify.users.models import User

MAX_HOURS_IN_DATABASE = 1000


class CpdEntry(db.Model):
    """One activity: what, when, how long, in which category, and the four-part reflection
    (plan, what was done, reflect, evaluate)."""

    __tablename__ = "cpd_entries"
    __table_args__ = (
        sa.CheckConstraint(f"hours > 0 AND hours <= {MAX_HOURS_IN_DATABASE}",
                           name="hours_in_range"),
        sa.CheckConstraint("ended_on >= started_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date]
    ended_on: Mapped[date] = mapped_column(index=True)
    hours: Mapped[float]
    category: Mapped[str] = mapped_column(String(40))
    plan: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[str] = mapped_column(Text, default="")
    reflect: Mapped[str] = mapped_column(Text, default="")
    evaluate: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    holder: Mapped[User] = relationship()
    evidence: Mapped[list[CpdEvidence]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="CpdEvidence.id")


class CpdEvidence(db.Model):
    """A file or a link backing an entry, checked as an application's evidence is."""

    __tablename__ = "cpd_evidence"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('file', 'link')", name="known_kind"),
        sa.CheckConstraint("(kind = 'file') = (stored_name IS NOT NULL)", name="file_stored"),
        sa.CheckConstraint("(kind = 'link') = (url IS NOT NULL)", name="link_has_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entries.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[CpdEntry] = relationship(back_populates="evidence")
