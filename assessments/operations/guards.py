"""Checks the operations share: the copy a form was made from, and the levels it posts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from assessments.calibration.permissions import needs_calibration
from assessments.permissions import has_declared_conflict, needs_declaration
from assessments.referees.operations import referee_user_ids
from certify.core.errors import DomainError, StaleRecord
from certify.core.extensions import db


class Levelled(Protocol):
    """A posted answer or score: what ``check_levels`` looks at."""

    level: int | None


def check_version(record, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord(
            _("This page was changed elsewhere (another tab or person) after you opened it. "
              "Your changes were not saved: reload the page and apply them again.")
        )


def check_levels(rows, given: Mapping[int, Levelled]) -> None:
    """Refuse, before anything is written, a posted level outside its criterion's scale."""
    problems = [
        _("%(code)s: choose one of the levels shown.", code=row.criterion.code)
        for row in rows
        if (posted := given.get(row.criterion_id)) is not None
        and posted.level is not None
        and not 0 <= posted.level <= row.criterion.max_level
    ]
    if problems:
        raise DomainError(*problems)


def flush_or_stale(message: str) -> None:
    """Write now; a row another request changed since it was read (its version_id_col moved on)
    is reported as ``message`` instead of being overwritten."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(message) from error


def require_impartial(application, by) -> None:
    """Nobody acts on their own application in any role, nor on one they declared a conflict
    with (ISO/IEC 17024 §4.3), nor before signing the competition's declaration (§6.1–6.2)."""
    if application.candidate_id == by.id:
        raise DomainError(_("You cannot act on your own application, whatever your role."))
    if needs_declaration(by, application.competition, application):
        raise DomainError(_("Sign the impartiality declaration of this competition before "
                            "acting on its applications."))
    if has_declared_conflict(by, application):
        raise DomainError(_("You declared a conflict of interest with this application and "
                            "cannot act on it."))
    if by.id in referee_user_ids(application):
        raise DomainError(_("You are a referee of this candidate: you cannot act on their "
                            "application (a conflict of interest)."))


def require_not_reviewer(application, by) -> None:
    """Who decides, second-checks or hears an appeal did not review the application."""
    if application.review_by(by) is not None:
        raise DomainError(_("A reviewer of this application cannot decide it, second-check "
                            "the decision or hear an appeal against it."))


def require_calibrated(review, by) -> None:
    """No review is written before its reviewer scored the competition's calibration exemplar,
    where the competition asks for it (docs/calibration.md)."""
    if review.reviewer_id == by.id and needs_calibration(by, review.application.competition):
        raise DomainError(_("Score the calibration exemplar of this competition before your "
                            "first review."))
