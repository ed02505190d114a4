"""An invitation to review, sent by e-mail with a single-use, expiring link."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessments.models import Competition
from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum
from certify.users.models import Branch, User


class InvitationState(TitledEnum):
    sent = "sent", _l("Pending")
    accepted = "accepted", _l("Accepted")
    declined = "declined", _l("Declined")
    withdrawn = "withdrawn", _l("Withdrawn by staff")
    # Never stored: a sent invitation past its date (see ReviewerInvitation.status).
    expired = "expired", _l("Expired")


class ReviewerInvitation(db.Model):
    """Staff invite an address to review in a competition, or (no competition) to join the
    pool. Only the SHA-256 of the link's token is kept: the database alone opens nothing."""

    __tablename__ = "reviewer_invitations"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')", name="known_language"),
        sa.CheckConstraint("state IN ('sent', 'accepted', 'declined', 'withdrawn')",
                           name="known_state"),
        sa.CheckConstraint("(state IN ('accepted', 'declined')) = (responded_at IS NOT NULL)",
                           name="answered_has_timestamp"),
        sa.CheckConstraint("(state = 'withdrawn') = (withdrawn_at IS NOT NULL)",
                           name="withdrawn_has_timestamp"),
        sa.CheckConstraint("reminders_sent >= 0", name="reminders_not_negative"),
        sa.CheckConstraint("(state = 'accepted') = (user_id IS NOT NULL)",
                           name="accepted_has_account"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_sending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"),
                                                       index=True)
    # The branch whose coordinators see it (the inviting coordinator's); None: administrators'.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[InvitationState] = mapped_column(EnumText(InvitationState),
                                                  default=InvitationState.sent)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many reminders went out (at most INVITATION_MAX_REMINDERS), and when the newest
    # link did (the first mail, a reminder or a re-send): the next reminder counts from it.
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    link_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    competition: Mapped[Competition | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def status(self, now: datetime | None = None) -> InvitationState:
        """The state shown: a sent invitation past its date is expired."""
        if self.state == InvitationState.sent and self.expires_at <= (now or utcnow()):
            return InvitationState.expired
        return self.state
