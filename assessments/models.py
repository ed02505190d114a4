"""Competitions (calls), applications with their self-assessment, reviews and decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessments.states import (
    FINAL_MODERATION,
    AppealState,
    ApplicationState,
    CompetitionState,
    EvidenceKind,
    InterviewOutcome,
    Moderation,
    Outcome,
    ReviewState,
)
from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.stored_files import StoredEvidenceColumns, evidence_constraints
from certify.users.models import Branch, User
from rubrics.models import Criterion, RubricVersion

if TYPE_CHECKING:  # certificates sit below assessments: the relationship goes by name
    from assessments.calibration.models import Exemplar
    from certify.certificates.models import Certificate


competition_branches = sa.Table(
    "competition_branches",
    db.metadata,
    sa.Column("competition_id", ForeignKey("competitions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("branch_id", ForeignKey("branches.id"), primary_key=True),
)


class Competition(db.Model):
    """A call for applications on one published rubric version."""

    __tablename__ = "competitions"
    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        sa.CheckConstraint("min_reviewers >= 1", name="min_reviewers_positive"),
        sa.CheckConstraint("max_reviews_per_reviewer >= 1", name="max_reviews_positive"),
        sa.CheckConstraint(
            "state IN ('draft', 'open', 'reviewing', 'closed')", name="known_state"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    # The call's own eligibility text per language, shown with the rubric's requirements.
    eligibility_note: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    state: Mapped[CompetitionState] = mapped_column(EnumText(CompetitionState),
                                                   default=CompetitionState.draft, index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    review_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    min_reviewers: Mapped[int] = mapped_column(default=2)
    # The most applications one reviewer is given in this competition (load balancing).
    max_reviews_per_reviewer: Mapped[int] = mapped_column(default=8)
    blind_review: Mapped[bool] = mapped_column(default=False)
    # Reviewers score the calibration exemplar before their first review here (issue 18;
    # docs/calibration.md). The competition form ticks it for new competitions.
    requires_calibration: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())
    calibration_exemplar_id: Mapped[int | None] = mapped_column(
        ForeignKey("exemplars.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rubric_version: Mapped[RubricVersion] = relationship()
    calibration_exemplar: Mapped[Exemplar | None] = relationship()
    # Empty means: open to every branch.
    branches: Mapped[list[Branch]] = relationship(secondary=competition_branches)
    applications: Mapped[list[Application]] = relationship(back_populates="competition")

    @property
    def display_title(self) -> str:
        return localized(self.title)

    @property
    def track(self) -> str:
        return self.rubric_version.rubric.track

    def accepts_applications(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.state == CompetitionState.open and self.opens_at <= now < self.closes_at

    def is_open_to(self, branch: Branch | None) -> bool:
        return not self.branches or (branch is not None and branch in self.branches)

    def application_of(self, candidate: User) -> Application | None:
        return next((a for a in self.applications if a.candidate_id == candidate.id), None)


class Application(db.Model):
    """A candidate's self-assessment in one competition; locked once submitted."""

    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("competition_id", "candidate_id"),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'under_review', 'decided', 'withdrawn')",
            name="known_state",
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
            name="submitted_has_timestamp",
        ),
        # The staff list's order (newest first, then by id): its first page is read from the
        # index instead of sorting every application (at 100×: 114 ms → 2 ms).
        sa.Index("ix_applications_submitted_at_id", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    state: Mapped[ApplicationState] = mapped_column(EnumText(ApplicationState),
                                                   default=ApplicationState.draft, index=True)
    eligibility_confirmed: Mapped[bool] = mapped_column(default=False)
    # The administrator's check of eligibility and completeness, before any review.
    eligibility_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eligibility_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when an incomplete file is returned to the candidate (it is not refused).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_message: Mapped[str | None] = mapped_column(Text)
    # Revise and resubmit: the round in progress, and until when a revision may be submitted.
    round: Mapped[int] = mapped_column(default=1)
    # The file's specialism (certify.users.specialisms), set by staff: automatic assignment
    # puts a reviewer of it on the file when there is one.
    specialism: Mapped[str | None] = mapped_column(String(40))
    resubmit_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: a save based on a stale copy fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    competition: Mapped[Competition] = relationship(back_populates="applications")
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    branch: Mapped[Branch] = relationship()
    # Ordered: PostgreSQL returns an updated row after the others, so without an order the
    # answers of a saved draft would come back in a different order from the criteria's.
    answers: Mapped[list[ApplicationAnswer]] = relationship(
        back_populates="application", order_by="ApplicationAnswer.id",
        cascade="all, delete-orphan"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="application", order_by="Review.id", cascade="all, delete-orphan"
    )
    decision: Mapped[Decision | None] = relationship(back_populates="application")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="application", order_by="Evidence.id", cascade="all, delete-orphan")
    posts: Mapped[list[DiscussionPost]] = relationship(
        order_by="DiscussionPost.id", cascade="all, delete-orphan")
    interview: Mapped[Interview | None] = relationship(cascade="all, delete-orphan")
    rounds: Mapped[list[ApplicationRound]] = relationship(order_by="ApplicationRound.number",
                                                          cascade="all, delete-orphan")
    appeals: Mapped[list[Appeal]] = relationship(order_by="Appeal.id",
                                                 cascade="all, delete-orphan")
    certificate: Mapped[Certificate | None] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    def evidence_for(self, criterion: Criterion) -> list[Evidence]:
        return [e for e in self.evidence if e.criterion_id == criterion.id]

    def answer_for(self, criterion: Criterion) -> ApplicationAnswer | None:
        return next((a for a in self.answers if a.criterion_id == criterion.id), None)

    def review_by(self, reviewer: User) -> Review | None:
        return next((r for r in self.reviews if r.reviewer_id == reviewer.id), None)

    @property
    def completed_count(self) -> int:
        return sum(1 for a in self.answers if a.is_complete)

    @property
    def submitted_reviews(self) -> list[Review]:
        return [r for r in self.reviews if r.state == ReviewState.submitted]


class ApplicationAnswer(db.Model):
    """The candidate's self-assessed level and narrative for one criterion."""

    __tablename__ = "application_answers"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "criterion_id"),
        sa.CheckConstraint("level IS NULL OR level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    level: Mapped[int | None]
    narrative: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()

    @property
    def is_complete(self) -> bool:
        return self.level is not None and bool(self.narrative.strip())


class Review(db.Model):
    """One reviewer's assignment to one application, and their scores once written."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id"),
        sa.CheckConstraint("state IN ('draft', 'submitted')", name="known_state"),
        sa.CheckConstraint(
            "(state = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_has_timestamp"
        ),
        sa.CheckConstraint("state = 'submitted' OR weighted_score IS NULL",
                           name="score_only_when_submitted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[ReviewState] = mapped_column(EnumText(ReviewState), default=ReviewState.draft,
                                               index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its weighted score in percent (severity.review_weighted_score), kept from submission until
    # it is reopened: the pool's reviewer severity reads a number per review, not every rating.
    weighted_score: Mapped[float | None]
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", order_by="ReviewScore.id", cascade="all, delete-orphan"
    )
    evidence_checks: Mapped[list[EvidenceCheck]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[ReviewRevision]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewRevision.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def check_for(self, evidence: Evidence) -> bool | None:
        found = next((c for c in self.evidence_checks if c.evidence_id == evidence.id), None)
        return None if found is None else found.verified

    def score_for(self, criterion: Criterion) -> ReviewScore | None:
        return next((s for s in self.scores if s.criterion_id == criterion.id), None)


class ReviewScore(db.Model):
    __tablename__ = "review_scores"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id"),
        sa.CheckConstraint("level IS NULL OR level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"),
                                           index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    level: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class Decision(db.Model):
    """The panel's decision on an application, with the figures it was based on."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('award', 'refuse')", name="known_outcome"),
        sa.CheckConstraint("moderation IN ('none', 'pending', 'confirmed')",
                           name="known_moderation"),
        sa.CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(EnumText(Outcome))
    reason: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None]
    recommended: Mapped[bool | None]
    # What the figures were computed from, so `flask scores verify` can recompute them.
    rubric_content_hash: Mapped[str | None] = mapped_column(String(64))
    engine_version: Mapped[str | None] = mapped_column(String(16))
    ratings_hash: Mapped[str | None] = mapped_column(String(64))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A random share of awards is second-checked by another administrator before it is final
    # (domain_anchors §3.4 rule 4: "a random 20 % of awarded files is second-checked").
    moderation: Mapped[Moderation] = mapped_column(EnumText(Moderation), default=Moderation.none)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderation_note: Mapped[str | None] = mapped_column(Text)
    # An award against the engine's recommendation (ISO/IEC 17024 §9.4): it waits, as
    # moderation "pending", for a second administrator who neither decided nor reviewed.
    override: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The award band the engine found (a code of the rubric version's bands), for awards.
    band: Mapped[str | None] = mapped_column(String(32))
    # The interview as it stood when deciding: {"outcome", "held_on", "panel", "findings":
    # {code: {"outcome", "note"}}} ({} findings without a protocol); None without interview.
    interview: Mapped[dict | None] = mapped_column(sa.JSON)

    application: Mapped[Application] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_final(self) -> bool:
        return self.moderation in FINAL_MODERATION


class Conflict(db.Model):
    """A reviewer's declared conflict of interest with an application: never assigned to it."""

    __tablename__ = "conflicts"
    __table_args__ = (sa.UniqueConstraint("reviewer_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User] = relationship()
    application: Mapped[Application] = relationship()


class ImpartialityDeclaration(db.Model):
    """A staff member's signed confidentiality and impartiality declaration for one competition,
    made before their first access to its files (ISO/IEC 17024 §4.3, §6.1–6.2): the exact text
    they were shown is identified by its version, language and SHA-256."""

    __tablename__ = "impartiality_declarations"
    __table_args__ = (sa.UniqueConstraint("user_id", "competition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text_version: Mapped[str] = mapped_column(String(32))
    text_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    # The typed signature, as typed (it matched the account's name when signed).
    signed_name: Mapped[str] = mapped_column(String(200))
    interests: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    competition: Mapped[Competition] = relationship()


class Evidence(StoredEvidenceColumns, db.Model):
    """A file or a link a candidate attaches to a criterion. Files live outside the web root
    under random names; only the name shown is the candidate's (and hidden in blind review)."""

    __tablename__ = "evidence"
    __table_args__ = evidence_constraints()

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    kind: Mapped[EvidenceKind] = mapped_column(EnumText(EvidenceKind, length=8))

    application: Mapped[Application] = relationship(back_populates="evidence")
    criterion: Mapped[Criterion] = relationship()


class EvidenceCheck(db.Model):
    """A reviewer's finding on one piece of evidence."""

    __tablename__ = "evidence_checks"
    __table_args__ = (sa.UniqueConstraint("review_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"),
                                           index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))
    verified: Mapped[bool]

    review: Mapped[Review] = relationship(back_populates="evidence_checks")


class ReviewRevision(db.Model):
    """A submitted review as it was before its reviewer reopened it: nothing is overwritten."""

    __tablename__ = "review_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"),
                                           index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # [{"criterion_id", "code", "level", "comment"}]
    scores: Mapped[list[dict]] = mapped_column(sa.JSON)

    review: Mapped[Review] = relationship(back_populates="revisions")


class DiscussionPost(db.Model):
    """The panel's thread on an application: reviewers who have submitted, and staff."""

    __tablename__ = "discussion_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class Interview(db.Model):
    """The professional interview (about an hour with the reviewers, domain_anchors §3.4 rule
    5), recorded before the decision: mandatory on the engineer track. Under a rubric with an
    interview protocol it holds a finding per probed criterion and its outcome follows from
    them (``assessments.interviews``); interviews from before protocols have none."""

    __tablename__ = "interviews"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('satisfactory', 'unsatisfactory')",
                           name="known_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    held_on: Mapped[date]
    panel: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[InterviewOutcome] = mapped_column(EnumText(InterviewOutcome))
    notes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Appeal(db.Model):
    """A candidate's appeal against a refusal (within APPEAL_DAYS); the administrator either
    upholds the decision or reopens it."""

    __tablename__ = "appeals"
    __table_args__ = (
        sa.CheckConstraint("state IN ('open', 'upheld', 'reopened')", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    grounds: Mapped[str] = mapped_column(Text)
    state: Mapped[AppealState] = mapped_column(EnumText(AppealState), default=AppealState.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApplicationRound(db.Model):
    """A finished round of an application sent back for revision: what the candidate wrote,
    what the reviewers said and the panel's feedback, kept as it was."""

    __tablename__ = "application_rounds"
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    feedback: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None]
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
