"""A complaint, its receipt number and its states."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessments.models import Competition
from certify.certificates.models import Certificate
from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum
from certify.users.models import Branch, User


class ComplaintSubject(TitledEnum):
    certificate = "certificate", _l("A certificate holder")
    process = "process", _l("The certification process")


class ComplaintState(TitledEnum):
    received = "received", _l("Received")
    investigating = "investigating", _l("Under investigation")
    resolved = "resolved", _l("Resolved")


class ComplaintOutcome(TitledEnum):
    dismissed = "dismissed", _l("Dismissed")
    upheld = "upheld", _l("Upheld – no action on a certificate")
    suspended = "suspended", _l("Upheld – certificate suspended")
    withdrawn = "withdrawn", _l("Upheld – certificate withdrawn")


# The outcomes that act on the certificate complained about.
CERTIFICATE_OUTCOMES = (ComplaintOutcome.suspended, ComplaintOutcome.withdrawn)


class ComplaintSequence(db.Model):
    """The last receipt number given per year: numbers have no gaps or repeats."""

    __tablename__ = "complaint_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Complaint(db.Model):
    """A complaint as filed, and its investigation. The complainant has no account: they follow
    it by a secret link whose token is kept only as a SHA-256 digest."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.UniqueConstraint("year", "sequence"),
        sa.CheckConstraint("subject IN ('certificate', 'process')", name="known_subject"),
        sa.CheckConstraint("state IN ('received', 'investigating', 'resolved')",
                           name="known_state"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('dismissed', 'upheld', 'suspended', 'withdrawn')",
            name="known_outcome"),
        sa.CheckConstraint("(subject = 'certificate') = (certificate_id IS NOT NULL)",
                           name="certificate_named"),
        sa.CheckConstraint("state = 'received' OR investigator_id IS NOT NULL",
                           name="investigated_by_someone"),
        sa.CheckConstraint(
            "(state = 'resolved') = (outcome IS NOT NULL AND resolved_at IS NOT NULL "
            "AND outcome_reason IS NOT NULL)", name="resolved_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    subject: Mapped[ComplaintSubject] = mapped_column(EnumText(ComplaintSubject))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"))
    # Whose coordinators handle it: the certificate's branch, or the one named; None: admins.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    complainant_name: Mapped[str] = mapped_column(String(200))
    complainant_email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[ComplaintState] = mapped_column(EnumText(ComplaintState),
                                                  default=ComplaintState.received, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    investigator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    findings: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[ComplaintOutcome | None] = mapped_column(EnumText(ComplaintOutcome))
    # Told to the complainant; for a suspension or withdrawal also the certificate's reason.
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    certificate: Mapped[Certificate | None] = relationship()
    competition: Mapped[Competition | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    investigator: Mapped[User | None] = relationship(foreign_keys=[investigator_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
