"""What calibration does: the exemplar written and given reference levels, chosen for a
competition; a reviewer's calibration scored, compared and kept; and the lists staff read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from assessments.calibration.compare import compare
from assessments.calibration.models import (
    Calibration,
    CalibrationScore,
    Exemplar,
    ExemplarAnswer,
    ExemplarReference,
)
from assessments.models import Application, Competition, Review
from assessments.operations.reviews import ScoreInput, comment_required
from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User


@dataclass(frozen=True)
class ExemplarRow:
    level: int | None  # the exemplar candidate's self-assessed level
    narrative: str
    evidence: str
    reference: int | None  # the level this staff member gives, as a reference scorer


def create_exemplar(competition: Competition, *, by: User) -> Exemplar:
    """A new, empty exemplar on the competition's rubric version, chosen for it."""
    version = competition.rubric_version
    exemplar = Exemplar(rubric_version=version, created_by_id=by.id,
                        title=_("Calibration exemplar — %(rubric)s", rubric=version.label))
    for criterion in version.criteria:
        exemplar.answers.append(ExemplarAnswer(criterion=criterion, level=None, narrative="",
                                               evidence=""))
    db.session.add(exemplar)
    db.session.flush()
    audit.record("calibration.exemplar_create", exemplar, actor=by, competition=competition.id)
    choose_exemplar(competition, exemplar, by=by)
    return exemplar


def choose_exemplar(competition: Competition, exemplar: Exemplar, *, by: User) -> None:
    if exemplar.rubric_version_id != competition.rubric_version_id:
        raise DomainError(_("The exemplar must be written against the competition's rubric "
                            "version."))
    competition.calibration_exemplar = exemplar
    db.session.flush()
    audit.record("calibration.exemplar_choose", competition, actor=by, exemplar=exemplar.id)


def save_exemplar(exemplar: Exemplar, title: str, rows: Mapping[int, ExemplarRow], *,
                  by: User) -> None:
    """The exemplar's texts, and ``by``'s own reference levels (a reference scorer: the
    reference is the mean of every scorer's level; none given, theirs is withdrawn)."""
    criteria = exemplar.rubric_version.criteria
    problems = [
        _("%(code)s: choose one of the levels shown.", code=c.code)
        for c in criteria if (row := rows.get(c.id)) is not None
        for level in (row.level, row.reference)
        if level is not None and not 0 <= level <= c.max_level]
    if not title.strip():
        problems.insert(0, _("Give the exemplar a title."))
    if problems:
        raise DomainError(*problems)
    exemplar.title = title.strip()
    for criterion in criteria:
        if (row := rows.get(criterion.id)) is None:
            continue
        answer = exemplar.answer_for(criterion)
        if answer is None:
            answer = ExemplarAnswer(criterion=criterion)
            exemplar.answers.append(answer)
        answer.level, answer.narrative, answer.evidence = row.level, row.narrative, row.evidence
        own = next((r for r in exemplar.references_for(criterion) if r.scorer_id == by.id),
                   None)
        if row.reference is None and own is not None:
            exemplar.references.remove(own)
        elif row.reference is not None and own is None:
            exemplar.references.append(ExemplarReference(criterion=criterion, scorer_id=by.id,
                                                         level=row.reference))
        elif row.reference is not None:
            own.level = row.reference
    db.session.flush()
    audit.record("calibration.exemplar_save", exemplar, actor=by,
                 references={c.code: rows[c.id].reference for c in criteria if c.id in rows})


def ready_exemplar(competition: Competition) -> Exemplar | None:
    exemplar = competition.calibration_exemplar
    if (exemplar is None or exemplar.rubric_version_id != competition.rubric_version_id
            or not exemplar.is_ready):
        return None
    return exemplar


def calibrate(competition: Competition, scores: Mapping[int, ScoreInput], *,
              by: User) -> Calibration:
    """The reviewer's levels on the exemplar, compared with the reference panel's; once per
    competition (the first result stands)."""
    if calibration_of(by, competition) is not None:
        raise DomainError(_("You have already calibrated for this competition; your result "
                            "is kept."))
    exemplar = ready_exemplar(competition)
    if exemplar is None:
        raise DomainError(_("The calibration exemplar of this competition is not ready yet."))
    criteria = exemplar.rubric_version.criteria
    problems = []
    for criterion in criteria:
        given = scores.get(criterion.id)
        if given is None or given.level is None:
            problems.append(_("%(code)s: choose a level.", code=criterion.code))
        elif not 0 <= given.level <= criterion.max_level:
            problems.append(_("%(code)s: choose one of the levels shown.", code=criterion.code))
        elif comment_required(given.level, criterion.max_level) and not given.comment.strip():
            problems.append(_("%(code)s: a comment is required for this level.",
                              code=criterion.code))
    if problems:
        raise DomainError(*problems)
    reference = {c.code: exemplar.reference_level(c) for c in criteria}
    result = compare({c.code: scores[c.id].level for c in criteria}, reference)
    calibration = Calibration(competition=competition, reviewer_id=by.id, exemplar=exemplar,
                              mean_abs_difference=result.mean_abs_difference)
    for criterion in criteria:
        calibration.scores.append(CalibrationScore(
            criterion=criterion, position=criterion.position, level=scores[criterion.id].level,
            comment=scores[criterion.id].comment, reference=reference[criterion.code]))
    db.session.add(calibration)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # the same reviewer's second submit, racing the first
        raise DomainError(_("You have already calibrated for this competition; your result "
                            "is kept.")) from error
    audit.record("calibration.submit", calibration, actor=by, competition=competition.id,
                 exemplar=exemplar.id, mean_abs_difference=result.mean_abs_difference)
    return calibration


def calibration_of(user: User, competition: Competition) -> Calibration | None:
    return db.session.scalar(sa.select(Calibration).where(
        Calibration.competition_id == competition.id, Calibration.reviewer_id == user.id))


@dataclass
class CalibrationRow:
    reviewer: User
    calibration: Calibration | None


def calibrations_for(competition: Competition, branch_ids: set[int] | None) -> list[
        CalibrationRow]:
    """Every reviewer assigned in the competition or calibrated for it (of ``branch_ids``;
    None: all), with their calibration: two queries whatever the number of reviewers."""
    assigned = (sa.select(Review.reviewer_id).join(Review.application)
                .where(Application.competition_id == competition.id))
    calibrated = sa.select(Calibration.reviewer_id).where(
        Calibration.competition_id == competition.id)
    query = sa.select(User).where(User.id.in_(assigned.union(calibrated)))
    if branch_ids is not None:
        query = query.where(User.branch_id.in_(branch_ids))
    reviewers = db.session.scalars(query.order_by(User.full_name, User.id)).all()
    found = {c.reviewer_id: c for c in db.session.scalars(
        sa.select(Calibration).where(Calibration.competition_id == competition.id,
                                     Calibration.reviewer_id.in_([r.id for r in reviewers]))
        .options(selectinload(Calibration.scores).selectinload(CalibrationScore.criterion)))}
    return [CalibrationRow(r, found.get(r.id)) for r in reviewers]


@dataclass(frozen=True)
class CalibrationSummary:
    competitions: int
    last_difference: float


def calibration_summaries(reviewer_ids: list[int]) -> dict[int, CalibrationSummary]:
    """For the reviewer pool: in how many competitions each reviewer calibrated, and their
    latest mean absolute difference; one query."""
    rows = db.session.execute(
        sa.select(Calibration.reviewer_id, Calibration.mean_abs_difference)
        .where(Calibration.reviewer_id.in_(reviewer_ids))
        .order_by(Calibration.submitted_at, Calibration.id)).all()
    summaries: dict[int, CalibrationSummary] = {}
    for reviewer_id, difference in rows:
        count = summaries[reviewer_id].competitions if reviewer_id in summaries else 0
        summaries[reviewer_id] = CalibrationSummary(count + 1, difference)
    return summaries


def exemplars_for(competition: Competition) -> list[Exemplar]:
    return list(db.session.scalars(sa.select(Exemplar).where(
        Exemplar.rubric_version_id == competition.rubric_version_id).order_by(Exemplar.id)))
