"""A referee the candidate names, the criteria (and evidence) they are asked to vouch for, and
their answer through a mailed single-use link."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessments.models import Application, Evidence
from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum
from rubrics.models import Criterion


class RefereeState(TitledEnum):
    named = "named", _l("Named: asked when the application is submitted")
    asked = "asked", _l("Asked: no answer yet")
    answered = "answered", _l("Answered")
    # Never stored: an asked referee whose link is past its date (see Referee.status).
    expired = "expired", _l("Link expired")


class Capacity(TitledEnum):
    """What a referee can vouch from; the per-track requirements name them
    (REFEREE_REQUIREMENTS, docs/referees.md)."""

    observed_teaching = "observed_teaching", _l("Has observed the candidate teaching")
    supervised_engineering = ("supervised_engineering",
                              _l("Supervised the candidate's engineering work"))


class Verdict(TitledEnum):
    confirmed = "confirmed", _l("Confirmed")
    disputed = "disputed", _l("Disputed")


referee_evidence = sa.Table(
    "referee_evidence",
    db.metadata,
    sa.Column("referee_id", ForeignKey("referees.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True),
)


class Referee(db.Model):
    """Only the SHA-256 of the link's token is kept: the database alone opens nothing."""

    __tablename__ = "referees"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "email"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')", name="known_language"),
        sa.CheckConstraint("state IN ('named', 'asked', 'answered')", name="known_state"),
        sa.CheckConstraint("(state = 'named') = (token_hash IS NULL)", name="asked_has_link"),
        sa.CheckConstraint("(state = 'answered') = (answered_at IS NOT NULL)",
                           name="answered_has_timestamp"),
        sa.CheckConstraint("state != 'answered' OR statement IS NOT NULL",
                           name="answered_has_statement"),
        sa.CheckConstraint("expires_at IS NULL OR expires_at > link_sent_at",
                           name="expires_after_sending"),
        sa.CheckConstraint("reminders_sent >= 0", name="reminders_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    relationship_text: Mapped[str] = mapped_column("relationship", String(500))
    observed_teaching: Mapped[bool] = mapped_column(default=False)
    supervised_engineering: Mapped[bool] = mapped_column(default=False)
    # The language of the mails and of the referee's page (the candidate's when naming).
    language: Mapped[str] = mapped_column(String(2))
    state: Mapped[RefereeState] = mapped_column(EnumText(RefereeState),
                                               default=RefereeState.named)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    statement: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
    claims: Mapped[list[RefereeClaim]] = relationship(
        back_populates="referee", cascade="all, delete-orphan",
        order_by="RefereeClaim.criterion_id")
    evidence: Mapped[list[Evidence]] = relationship(secondary=referee_evidence,
                                                    order_by="Evidence.id")

    def status(self, now: datetime | None = None) -> RefereeState:
        """The state shown: an asked referee past the link's date is expired."""
        if (self.state == RefereeState.asked and self.expires_at is not None
                and self.expires_at <= (now or utcnow())):
            return RefereeState.expired
        return self.state

    @property
    def capacities(self) -> set[Capacity]:
        return {c for c in Capacity if getattr(self, c.value)}

    def claim_for(self, criterion: Criterion) -> RefereeClaim | None:
        return next((c for c in self.claims if c.criterion_id == criterion.id), None)


class RefereeClaim(db.Model):
    """One criterion the candidate asked the referee to vouch for, and their verdict on it."""

    __tablename__ = "referee_claims"
    __table_args__ = (
        sa.UniqueConstraint("referee_id", "criterion_id"),
        sa.CheckConstraint("verdict IS NULL OR verdict IN ('confirmed', 'disputed')",
                           name="known_verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referee_id: Mapped[int] = mapped_column(ForeignKey("referees.id", ondelete="CASCADE"),
                                            index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    verdict: Mapped[Verdict | None] = mapped_column(EnumText(Verdict))

    referee: Mapped[Referee] = relationship(back_populates="claims")
    criterion: Mapped[Criterion] = relationship()
