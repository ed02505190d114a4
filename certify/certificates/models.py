"""Certificates: numbered, dated, and with a status derived when read."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.certificates.status import CertificateStatus, certificate_status
from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum, localized
from certify.core.names import search_key
from certify.users.models import Branch, User
from certify.users.specialisms import specialism_title
from rubrics.models import Criterion, RubricVersion, Track


class CertificateSequence(db.Model):
    """The last number issued per track, branch and year: numbers have no gaps or repeats."""

    __tablename__ = "certificate_sequences"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    branch_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class SigningKey(db.Model):
    """An Ed25519 issuer key. The private half lives in a file outside the database and the
    repository; retired keys stay listed so older credentials still verify."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key_multibase: Mapped[str] = mapped_column(String(64), unique=True)
    private_key_file: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _revocable() -> tuple[sa.CheckConstraint, ...]:
    """The constraints of a record with a place in the status lists, revocable and suspendable
    with a reason (a certificate, a reviewer's credential)."""
    return (
        sa.CheckConstraint("status_index >= 0", name="status_index_not_negative"),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revocation_reason IS NULL)", name="revocation_has_reason"
        ),
        sa.CheckConstraint(
            "(suspended_at IS NULL) = (suspension_reason IS NULL)", name="suspension_has_reason"
        ),
    )


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("track", "branch_id", "year", "sequence"),
        sa.CheckConstraint("valid_until > valid_from", name="valid_until_after_valid_from"),
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        *_revocable(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    track: Mapped[Track] = mapped_column(EnumText(Track), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    sequence: Mapped[int]
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200), index=True)
    holder_name_native: Mapped[str | None] = mapped_column(String(200))
    # Both names folded for search (``search_key``: no case, no accents), kept by the events
    # below: the public register finds "Ерлан" and "ерлан", "Jose" and "José" on any database.
    holder_name_key: Mapped[str] = mapped_column(String(401), default="")
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id"), unique=True
    )
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    valid_from: Mapped[date]
    valid_until: Mapped[date] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    # The signed Open Badges 3.0 credential as issued (re-issued when the name is corrected),
    # its random place in the status lists, and the salt of the hashed email in it.
    credential_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    credential: Mapped[dict | None] = mapped_column(sa.JSON)
    status_index: Mapped[int | None] = mapped_column(unique=True)
    subject_salt: Mapped[str | None] = mapped_column(String(64))
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A renewal is a new certificate pointing at the one it continues.
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"),
                                                        unique=True)
    # Private: the public page answers by number, but the PDF and credential are the holder's.
    is_private: Mapped[bool] = mapped_column(default=False)
    # The award band decided with the award (a code of the rubric version's bands), or None.
    band: Mapped[str | None] = mapped_column(String(32), index=True)
    # The holder's specialism (a code of certify.users.specialisms), from the application.
    specialism: Mapped[str | None] = mapped_column(String(40), index=True)

    branch: Mapped[Branch] = relationship()
    holder: Mapped[User] = relationship()
    rubric_version: Mapped[RubricVersion] = relationship()
    renewed_from: Mapped[Certificate | None] = relationship(
        remote_side=[id], back_populates="renewed_by")
    renewed_by: Mapped[Certificate | None] = relationship(back_populates="renewed_from")
    renewals: Mapped[list[RenewalRequest]] = relationship(
        back_populates="certificate", foreign_keys="RenewalRequest.certificate_id",
        order_by="RenewalRequest.id")

    @property
    def status(self) -> CertificateStatus:
        """Today's status, for templates: ``certificate_status`` decides it."""
        return certificate_status(self)

    @property
    def track_title(self) -> str:
        return self.track.title

    def specialism_title(self) -> str:
        """The holder's specialism in the page's language ("" without one)."""
        return specialism_title(self.specialism) if self.specialism else ""

    def band_titles(self) -> dict[str, str]:
        """The band's title in every language ({} without a band)."""
        if not self.band:
            return {}
        band = next((b for b in self.rubric_version.bands if b.get("code") == self.band), None)
        return dict(band.get("title") or {}) if band else {"en": self.band}

    def band_title(self, language: str | None = None) -> str:
        return localized(self.band_titles(), language) if self.band else ""


@sa.event.listens_for(Certificate, "before_insert")
@sa.event.listens_for(Certificate, "before_update")
def _fold_holder_names(_mapper, _connection, certificate: Certificate) -> None:
    certificate.holder_name_key = search_key(
        f"{certificate.holder_name or ''} {certificate.holder_name_native or ''}")


class SupersededCredential(db.Model):
    """A credential replaced by a re-issue (a name correction): it keeps its status place,
    whose bit on the revocation list is set, so outside verifiers refuse it too; the
    certificate's new credential has a place of its own."""

    __tablename__ = "superseded_credentials"
    __table_args__ = (
        sa.CheckConstraint("status_index >= 0", name="status_index_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    status_index: Mapped[int] = mapped_column(unique=True)
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RenewalState(TitledEnum):
    pending = "pending", _l("Waiting for a decision")
    approved = "approved", _l("Approved")
    refused = "refused", _l("Refused")


class RenewalRequest(db.Model):
    """A holder's request to renew, with their continuing professional development."""

    __tablename__ = "renewal_requests"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'approved', 'refused')", name="known_state"),
        sa.CheckConstraint("cpd_hours >= 0", name="cpd_hours_not_negative"),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    cpd_hours: Mapped[int]
    narrative: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[RenewalState] = mapped_column(EnumText(RenewalState),
                                                default=RenewalState.pending, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    new_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    # The CPD rules as weighed from the log when the request was made (rules.Evaluation
    # .summary()): the figures the decision is taken on, even if the log changes later.
    cpd_summary: Mapped[dict | None] = mapped_column(sa.JSON)

    certificate: Mapped[Certificate] = relationship(back_populates="renewals",
                                                    foreign_keys=[certificate_id])
    new_certificate: Mapped[Certificate | None] = relationship(foreign_keys=[new_certificate_id])
    findings: Mapped[list[RenewalFinding]] = relationship(
        back_populates="request", order_by="RenewalFinding.id")


class RenewalFinding(db.Model):
    """A reviewer's brief re-assessment of one must-pass criterion for a renewal (domain
    §3.4 rule 9): a level and a comment; approval needs one per must-pass criterion."""

    __tablename__ = "renewal_findings"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "criterion_id"),
        sa.CheckConstraint("level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("renewal_requests.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[RenewalRequest] = relationship(back_populates="findings")
    criterion: Mapped[Criterion] = relationship()
    reviewer: Mapped[User] = relationship()


class ReviewerCredential(db.Model):
    """A signed credential of a reviewer's work in one closed competition (issue 19): the
    figures as they stood when it was issued, its own place in the status lists, revocable and
    suspendable like a certificate. One per reviewer and competition."""

    __tablename__ = "reviewer_credentials"
    __table_args__ = (
        sa.UniqueConstraint("competition_id", "reviewer_id"),
        sa.CheckConstraint("files_reviewed >= 1", name="files_reviewed_positive"),
        sa.CheckConstraint("reviews_on_time >= 0 AND reviews_on_time <= files_reviewed",
                           name="reviews_on_time_within_files"),
        *_revocable(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The credential's uuid: its public address and its id (``urn:uuid:<public_id>``).
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # As issued: the competition's title per language and the reviewer's name, so the record
    # and its credential say the same whatever is edited later.
    competition_title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    reviewer_name: Mapped[str] = mapped_column(String(200))
    files_reviewed: Mapped[int]
    reviews_on_time: Mapped[int]
    calibration_completed: Mapped[bool]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status_index: Mapped[int | None] = mapped_column(unique=True)
    subject_salt: Mapped[str] = mapped_column(String(64))
    credential: Mapped[dict | None] = mapped_column(sa.JSON)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.public_id}"

    @property
    def timeliness_percent(self) -> int:
        """The share of the reviews submitted by the review deadline, in whole percent."""
        return round(100 * self.reviews_on_time / self.files_reviewed)

    @property
    def display_competition(self) -> str:
        return localized(self.competition_title)

    @property
    def status(self) -> CertificateStatus:
        """Revoked, else suspended, else valid: the credential has no end date."""
        if self.revoked_at is not None:
            return CertificateStatus.revoked
        if self.suspended_at is not None:
            return CertificateStatus.suspended
        return CertificateStatus.valid
