"""The calibration exemplar (never an application: its own tables, so no list, analytics,
certificate or export of applications can ever count it) and each reviewer's calibration."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessments.models import Competition
from certify.core.db_types import UTCDateTime, utcnow
from certify.core.extensions import db
from certify.users.models import User
from rubrics.models import Criterion, RubricVersion


class Exemplar(db.Model):
    """A shared, anonymised application-like self-assessment against one rubric version, with
    the reference panel's levels per criterion. Competitions on that version may use it."""

    __tablename__ = "exemplars"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"),
                                                   index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rubric_version: Mapped[RubricVersion] = relationship()
    answers: Mapped[list[ExemplarAnswer]] = relationship(
        back_populates="exemplar", cascade="all, delete-orphan")
    references: Mapped[list[ExemplarReference]] = relationship(
        back_populates="exemplar", cascade="all, delete-orphan")

    def answer_for(self, criterion: Criterion) -> ExemplarAnswer | None:
        return next((a for a in self.answers if a.criterion_id == criterion.id), None)

    def references_for(self, criterion: Criterion) -> list[ExemplarReference]:
        return [r for r in self.references if r.criterion_id == criterion.id]

    def reference_level(self, criterion: Criterion) -> float | None:
        """The reference panel's level: the mean of the reference scorers' levels."""
        levels = [r.level for r in self.references_for(criterion)]
        return sum(levels) / len(levels) if levels else None

    @property
    def scorer_ids(self) -> set[int]:
        return {r.scorer_id for r in self.references}

    @property
    def is_ready(self) -> bool:
        """Every criterion written and given a reference level."""
        return all(
            (answer := self.answer_for(c)) is not None and answer.narrative.strip()
            and self.reference_level(c) is not None
            for c in self.rubric_version.criteria)


class ExemplarAnswer(db.Model):
    """What the exemplar's (fictitious) candidate claims for one criterion."""

    __tablename__ = "exemplar_answers"
    __table_args__ = (
        sa.UniqueConstraint("exemplar_id", "criterion_id"),
        sa.CheckConstraint("level IS NULL OR level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(
        ForeignKey("exemplars.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    level: Mapped[int | None]  # the self-assessed level
    narrative: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")  # the evidence, described

    exemplar: Mapped[Exemplar] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()


class ExemplarReference(db.Model):
    """One reference scorer's level for one criterion of an exemplar."""

    __tablename__ = "exemplar_references"
    __table_args__ = (
        sa.UniqueConstraint("exemplar_id", "criterion_id", "scorer_id"),
        sa.CheckConstraint("level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(
        ForeignKey("exemplars.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    level: Mapped[int]
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exemplar: Mapped[Exemplar] = relationship(back_populates="references")
    criterion: Mapped[Criterion] = relationship()
    scorer: Mapped[User] = relationship()


class Calibration(db.Model):
    """A reviewer's scoring of a competition's exemplar, once, with the reference as it was."""

    __tablename__ = "calibrations"
    __table_args__ = (
        sa.UniqueConstraint("competition_id", "reviewer_id"),
        sa.CheckConstraint("mean_abs_difference >= 0", name="difference_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mean_abs_difference: Mapped[float]

    competition: Mapped[Competition] = relationship()
    reviewer: Mapped[User] = relationship()
    exemplar: Mapped[Exemplar] = relationship()
    scores: Mapped[list[CalibrationScore]] = relationship(
        back_populates="calibration", cascade="all, delete-orphan",
        order_by="CalibrationScore.position")


class CalibrationScore(db.Model):
    """The reviewer's level for one criterion beside the reference level at the time."""

    __tablename__ = "calibration_scores"
    __table_args__ = (
        sa.UniqueConstraint("calibration_id", "criterion_id"),
        sa.CheckConstraint("level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(
        ForeignKey("calibrations.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    position: Mapped[int]
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[float]

    calibration: Mapped[Calibration] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()

    @property
    def difference(self) -> float:
        """Signed: above zero, the reviewer was more generous than the reference."""
        return self.level - self.reference
