"""Rubric → version → criterion → level, with texts stored per language."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from certify.core.db_types import EnumText, UTCDateTime, utcnow
from certify.core.extensions import db
from certify.core.i18n import TitledEnum, localized
from certify.users.models import Branch


class Track(StrEnum):
    professor = "professor"
    engineer = "engineer"

    @property
    def title(self) -> str:
        """The award's title in the viewer's language: configuration (AWARD_TITLES), since the
        centre must approve the wording."""
        return localized(current_app.config["AWARD_TITLES"][self.value])


class VersionState(TitledEnum):
    draft = "draft", _l("Draft")
    published = "published", _l("Published")
    retired = "retired", _l("Retired")


class Rubric(db.Model):
    __tablename__ = "rubrics"
    __table_args__ = (
        sa.CheckConstraint("track IN ('professor', 'engineer')", name="known_track"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    track: Mapped[Track] = mapped_column(EnumText(Track), index=True)
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # A branch's own rubric (None: the centre's); its coordinators may edit drafts only when
    # an administrator allows it.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    coordinators_may_edit: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    branch: Mapped[Branch | None] = relationship()
    versions: Mapped[list[RubricVersion]] = relationship(
        back_populates="rubric", order_by="RubricVersion.number"
    )

    @property
    def display_title(self) -> str:
        return localized(self.title)

    @property
    def latest_published(self) -> RubricVersion | None:
        published = [v for v in self.versions if v.state == VersionState.published]
        return published[-1] if published else None

    @property
    def draft(self) -> RubricVersion | None:
        return next((v for v in self.versions if v.state == VersionState.draft), None)

    @property
    def latest(self) -> RubricVersion | None:
        return self.versions[-1] if self.versions else None


class RubricVersion(db.Model):
    __tablename__ = "rubric_versions"
    __table_args__ = (
        sa.UniqueConstraint("rubric_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("pass_threshold >= 0 AND pass_threshold <= 100", name="threshold_range"),
        sa.CheckConstraint("state IN ('draft', 'published', 'retired')", name="known_state"),
        sa.CheckConstraint(
            "state = 'draft' OR (published_at IS NOT NULL AND content_hash IS NOT NULL)",
            name="published_is_hashed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"), index=True)
    number: Mapped[int]
    state: Mapped[VersionState] = mapped_column(EnumText(VersionState),
                                                default=VersionState.draft)
    pass_threshold: Mapped[float] = mapped_column(default=50.0)
    # The floor: every criterion's panel score (mean level) must reach it for an award
    # (domain_anchors §3.4 rule 6; capped at a criterion's own maximum level).
    floor_level: Mapped[int] = mapped_column(default=2, server_default="2")
    # Requirements confirmed by the candidate before applying:
    # [{"code", "kind", "minimum", "text": {lang: ...}}] (see docs/rubric-format.md).
    eligibility: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # Award bands, lowest first: [{"code", "min_score", "title": {lang}, "min_levels": {code: n}}].
    bands: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # Why the rubric is built this way (sources, weights, gates), per language.
    note: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # The interview protocol: {"required": bool, "criteria": [{"code", "questions": [{lang}]}]},
    # {} when the version has none (rubrics/interview_protocol.py, docs/rubric-format.md).
    interview: Mapped[dict] = mapped_column(sa.JSON, default=dict,
                                            server_default=sa.text("'{}'"))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rubric_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))

    rubric: Mapped[Rubric] = relationship(back_populates="versions")
    based_on: Mapped[RubricVersion | None] = relationship(remote_side=[id])
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)

    @property
    def label(self) -> str:
        return f"{self.rubric.code} v{self.number}"


class Criterion(db.Model):
    __tablename__ = "rubric_criteria"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.UniqueConstraint("version_id", "position"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint(
            "min_pass_level IS NULL OR min_pass_level >= 0", name="min_pass_level_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    section: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    guidance: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # The evidence a candidate should attach, per language.
    evidence: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    weight: Mapped[float]
    min_pass_level: Mapped[int | None]
    evidence_required: Mapped[bool] = mapped_column(default=False)

    version: Mapped[RubricVersion] = relationship(back_populates="criteria")
    # Loaded with the criteria, in one statement for all of them: nearly every use of a
    # criterion reads its levels (max_level, the scale shown), and one by one a 12-criterion
    # rubric cost 12 statements a page.
    levels: Mapped[list[Level]] = relationship(
        back_populates="criterion", order_by="Level.value", cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def display_title(self) -> str:
        return localized(self.title)

    @property
    def max_level(self) -> int:
        return max(level.value for level in self.levels)

    def weight_percent(self) -> float:
        total = self.version.total_weight
        return 100.0 * self.weight / total if total else 0.0


class Level(db.Model):
    __tablename__ = "rubric_levels"
    __table_args__ = (
        sa.UniqueConstraint("criterion_id", "value"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"), index=True)
    value: Mapped[int]
    label: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    descriptor: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    # A short example of evidence at this level, per language ({} when none is written):
    # shown to reviewers beside the descriptor to calibrate their reading of it.
    exemplar: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict,
                                                     server_default=sa.text("'{}'"))

    criterion: Mapped[Criterion] = relationship(back_populates="levels")


class RubricLocked(Exception):
    """An attempt to change a version that is no longer a draft."""


# What may still change on a published version: retiring it.
_CHANGEABLE_AFTER_PUBLISHING = {"state", "retired_at"}


def _original_state(version: RubricVersion) -> VersionState | None:
    history = sa.inspect(version).attrs.state.history
    return history.deleted[0] if history.deleted else version.state


def _changed_columns(obj) -> set[str]:
    state = sa.inspect(obj)
    return {
        attr.key for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def _version_of(session, obj) -> RubricVersion | None:
    """The version an object belongs to, also when it was just taken out of its collection."""
    with session.no_autoflush:
        if isinstance(obj, RubricVersion):
            return obj
        if isinstance(obj, Level):
            obj = obj.criterion or (
                session.get(Criterion, obj.criterion_id) if obj.criterion_id else None
            )
        if isinstance(obj, Criterion):
            return obj.version or (
                session.get(RubricVersion, obj.version_id) if obj.version_id else None
            )
    return None


def _locked_change(session, obj) -> str | None:
    """Why this pending change may not happen, or None when it may."""
    version = _version_of(session, obj)
    if version is None or version in session.new:
        return None
    original = _original_state(version)
    if original == VersionState.draft:
        return None  # drafts change freely, publishing included
    if obj in session.dirty:
        changed = _changed_columns(obj)
        if not changed:
            return None  # only a relationship collection was touched
        retiring = (
            obj is version
            and changed <= _CHANGEABLE_AFTER_PUBLISHING
            and original == VersionState.published
            and version.state == VersionState.retired
        )
        if retiring:
            return None
    return f"{version.label} is {original}"


@event.listens_for(Session, "before_flush")
def _published_versions_are_immutable(session, _flush_context, _instances) -> None:
    """The last line of defence: no code path can change or delete the content of a
    published or retired version, whatever route or operation tries."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        reason = _locked_change(session, obj)
        if reason:
            raise RubricLocked(reason)
