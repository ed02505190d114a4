"""People, their roles and the national branches of the centre."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum, localized


class Role(TitledEnum):
    admin = "admin", _l("Administrator")
    coordinator = "coordinator", _l("Branch coordinator")
    reviewer = "reviewer", _l("Reviewer")
    candidate = "candidate", _l("Candidate")


class Branch(db.Model):
    """A national branch of the centre (e.g. Karaganda Technical University for Kazakhstan),
    set up by an agreement with its host institution. Its code is part of certificate
    numbers; a deactivated branch keeps its history but takes no new applications."""

    __tablename__ = "branches"
    __table_args__ = (
        sa.CheckConstraint("length(code) BETWEEN 2 AND 8", name="code_length"),
        sa.CheckConstraint("length(country) = 2", name="country_alpha2"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    host_institution: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    agreement_date: Mapped[date | None]
    agreement_reference: Mapped[str] = mapped_column(String(100), default="")
    # Interface languages the branch offers its candidates ("en", "ru", "kk").
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Shown on the public list of branches: an address, a phone, a web page.
    public_contact: Mapped[str] = mapped_column(String(300), default="")
    # Set when the first certificate carries the code: from then on the code never changes,
    # or numbers already printed would name a branch that no longer exists.
    code_fixed: Mapped[bool] = mapped_column(default=False)

    @property
    def display_name(self) -> str:
        return localized(self.name)

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("preferred_language IN ('en', 'ru', 'kk')", name="known_language"),
        sa.CheckConstraint("length(country) = 2", name="country_alpha2"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # As printed on a certificate (passport / Latin spelling), and optionally in native script.
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    full_name_native: Mapped[str | None] = mapped_column(String(200))
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    # The public register filters on it (certify.certificates.public_register).
    country: Mapped[str] = mapped_column(String(2), index=True)
    preferred_language: Mapped[str] = mapped_column(String(2), default="en")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Flask-Login stores this, not the id: changing it ends every other session of the user.
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the owner of the address proved it (a confirmation or reset link); accounts made
    # by staff count as confirmed. Login waits for it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second factor (TOTP, RFC 6238): the shared secret, when it was confirmed, the last time
    # step used (a code works once), and SHA-256 hashes of unused recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]
    recovery_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Set when the person's erasure request was carried out (docs/privacy.md): the account
    # holds a pseudonym, cannot log in and is never enabled again.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch | None] = relationship()
    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    reviewer_profile: Mapped[ReviewerProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_urlsafe(32)

    @property
    def roles(self) -> set[Role]:
        return {assignment.role for assignment in self.role_assignments}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def needs_second_factor(self) -> bool:
        """Accounts that can change others' results or certificates (OWASP ASVS 6.3.3, L2)."""
        return self.has_role(Role.admin, Role.coordinator, Role.reviewer)

    @property
    def is_admin(self) -> bool:
        return Role.admin in self.roles

    @property
    def coordinated_branch_ids(self) -> set[int]:
        return {
            a.branch_id
            for a in self.role_assignments
            if a.role == Role.coordinator and a.branch_id is not None
        }

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    """A role held by a user; a coordinator's role is scoped to exactly one branch."""

    __tablename__ = "user_roles"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role"),
        sa.CheckConstraint(
            "role IN ('admin', 'coordinator', 'reviewer', 'candidate')", name="known_role"
        ),
        sa.CheckConstraint(
            "(role = 'coordinator') = (branch_id IS NOT NULL)", name="coordinator_has_branch"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(EnumText(Role))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))

    user: Mapped[User] = relationship(back_populates="role_assignments")
    branch: Mapped[Branch | None] = relationship()


class ReviewerProfile(db.Model):
    """What a reviewer declares: specialisms (``certify.users.specialisms``), the languages
    they can review in, and the most open reviews they accept at once (None: no limit of
    their own; the competition's per-reviewer maximum still holds)."""

    __tablename__ = "reviewer_profiles"
    __table_args__ = (
        sa.CheckConstraint("max_open_reviews IS NULL OR max_open_reviews >= 1",
                           name="max_open_reviews_positive"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    max_open_reviews: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="reviewer_profile")
    specialism_rows: Mapped[list[ReviewerSpecialism]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReviewerSpecialism.specialism")
    language_rows: Mapped[list[ReviewerLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReviewerLanguage.language")

    @property
    def specialisms(self) -> list[str]:
        return [row.specialism for row in self.specialism_rows]

    @property
    def review_languages(self) -> list[str]:
        return [row.language for row in self.language_rows]


class ReviewerSpecialism(db.Model):
    """One specialism of a reviewer: a row each, so the pool filters on it in SQL."""

    __tablename__ = "reviewer_specialisms"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("reviewer_profiles.user_id", ondelete="CASCADE"), primary_key=True)
    specialism: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ReviewerLanguage(db.Model):
    """One language a reviewer can review in."""

    __tablename__ = "reviewer_languages"
    __table_args__ = (
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')", name="known_language"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("reviewer_profiles.user_id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)


class PrivacyConsent(db.Model):
    """A person's consent to one version of the privacy notice (``certify.users.privacy``),
    in the language they read it in: Kazakhstan's Law on Personal Data and their Protection
    asks for consent to a stated purpose, so each published version is agreed to anew."""

    __tablename__ = "privacy_consents"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "version"),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')", name="known_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterConsent(db.Model):
    """A holder's consent to appear in the public register (``certify.users.register_consent``):
    the row exists while they consent, naming when and which version of the consent text they
    agreed to; withdrawing deletes it (the audit log keeps both changes). No row, no listing:
    the default is off."""

    __tablename__ = "register_consents"
    __table_args__ = (
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')", name="known_language"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureState(TitledEnum):
    pending = "pending", _l("Waiting for a decision")
    approved = "approved", _l("Carried out")
    refused = "refused", _l("Refused")


class ErasureRequest(db.Model):
    """A person's request to erase their personal data (docs/privacy.md; GDPR art. 17 as the
    model, Kazakhstan's Law on Personal Data). Staff approve it, which carries out the plan
    (``assessments.erasure``), or refuse it with a reason. The person's own reason is cleared
    once the request is carried out: it may say more about them than the rest."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'approved', 'refused')", name="known_state"),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')", name="known_language"),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)",
                           name="decided_has_timestamp"),
        sa.CheckConstraint("(state = 'refused') = (refusal_reason IS NOT NULL)",
                           name="refusal_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[ErasureState] = mapped_column(EnumText(ErasureState),
                                                default=ErasureState.pending)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The language the person asked in: the answer is written in it.
    language: Mapped[str] = mapped_column(String(2))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # What the execution did, per kind of data: {"applications_deleted": 1, ...}.
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
