"""A holder's CPD log: entries with their reflection and evidence."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum
from certify.core.stored_files import StoredEvidenceColumns, evidence_constraints
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


class CpdEvidence(StoredEvidenceColumns, db.Model):
    """A file or a link backing an entry, checked as an application's evidence is."""

    __tablename__ = "cpd_evidence"
    __table_args__ = evidence_constraints()

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entries.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(8))

    entry: Mapped[CpdEntry] = relationship(back_populates="evidence")


class CpdDeclaration(db.Model):
    """A holder's annual declaration: CPD kept up and the code of conduct accepted (domain
    §3.4 rule 9). One per holder and year; both boxes ticked, or no declaration."""

    __tablename__ = "cpd_declarations"
    __table_args__ = (
        sa.UniqueConstraint("holder_id", "year"),
        sa.CheckConstraint("cpd_kept AND conduct_accepted", name="both_declared"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int]
    cpd_kept: Mapped[bool]
    conduct_accepted: Mapped[bool]
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditOutcome(TitledEnum):
    accepted = "accepted", _l("Accepted")
    more_evidence = "more_evidence", _l("More evidence needed")
    not_accepted = "not_accepted", _l("Not accepted")


class CpdAuditDraw(db.Model):
    """A year's random draw of holders whose log is audited: the seed is kept, so the same
    population and seed give the same sample again."""

    __tablename__ = "cpd_audit_draws"
    __table_args__ = (
        sa.CheckConstraint("rate > 0 AND rate <= 1", name="rate_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    rate: Mapped[float]
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    population: Mapped[int]
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audits: Mapped[list[CpdAudit]] = relationship(back_populates="draw",
                                                  order_by="CpdAudit.id")


class CpdAudit(db.Model):
    """One sampled holder's audit: the outcome recorded by staff not involved with them, and
    the deadline after which the configured consequence applies."""

    __tablename__ = "cpd_audits"
    __table_args__ = (
        sa.UniqueConstraint("draw_id", "holder_id"),
        sa.CheckConstraint("(outcome IS NULL) = (reviewed_at IS NULL)", name="outcome_dated"),
        sa.CheckConstraint("outcome = 'accepted' OR outcome IS NULL OR deadline IS NOT NULL",
                           name="deadline_unless_accepted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("cpd_audit_draws.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[AuditOutcome | None] = mapped_column(EnumText(AuditOutcome))
    deadline: Mapped[date | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consequence_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    draw: Mapped[CpdAuditDraw] = relationship(back_populates="audits")
    holder: Mapped[User] = relationship(foreign_keys=[holder_id])
