"""Exports people can read (issue 16): the same rows as the machine-readable files
(``reports.export_rows``), with headers in the exporter's language, criteria and reviewers by
name, yes/no instead of True/False and decisions in words. Codes and numbers stay as columns
of their own, so a person can still match a row to the system; the machine-readable files
(ids, codes, True/False, English headers) stay available beside these."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

import numpy
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from assessments.models import Application, Competition, Review
from assessments.states import Outcome
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.users.models import User

HEADERS = {
    "assessment_id": _l("Application No."),
    "reviewer_id": _l("Reviewer"),
    "criterion_id": _l("Criterion"),
    "criterion_code": _l("Criterion code"),
    "level": _l("Level"),
    "n": _l("Reviews"),
    "mean": _l("Mean level"),
    "median": _l("Median level"),
    "sd": _l("Standard deviation"),
    "min": _l("Lowest level"),
    "max": _l("Highest level"),
    "range": _l("Spread of levels"),
    "self_level": _l("Self-assessed level"),
    "gap": _l("Self-assessment minus panel mean"),
    "claim": _l("Self-assessment"),
    "score": _l("Score, %"),
    "complete": _l("All reviews in"),
    "n_reviewers": _l("Reviewers"),
    "gates_passed": _l("Must-pass criteria met"),
    "disagreement": _l("Reviewers disagree"),
    "below_floor": _l("Criteria below the floor"),
    "recommended": _l("Recommended for the award"),
    "outcome": _l("Decision"),
    "override": _l("Against the recommendation"),
    "confirmed": _l("Final"),
}
CLAIMS = {"over": _l("above the panel"), "under": _l("below the panel"), "": ""}


def readable(competition: Competition, header: list[str],
             rows: Iterable[Sequence]) -> tuple[list[str], Iterator[list]]:
    """``header`` and ``rows`` of a machine-readable export, for people. Two queries (the
    criteria's titles, the reviewers' names), however many rows stream through."""
    titles = {c.id: localized(c.title) for c in competition.rubric_version.criteria}
    reviewers = dict(db.session.execute(
        sa.select(User.id, User.full_name).join(Review, Review.reviewer_id == User.id)
        .join(Application, Application.id == Review.application_id)
        .where(Application.competition_id == competition.id).distinct()).all())
    convert = [_converter(name, titles, reviewers) for name in header]
    names = [str(HEADERS.get(name, name)) for name in header]
    return names, ([change(value) for change, value in zip(convert, row, strict=True)]
                   for row in rows)


def _converter(name: str, titles: dict[int, str], reviewers: dict[int, str]):
    if name == "criterion_id":
        return lambda value: titles.get(value, value)
    if name == "reviewer_id":
        return lambda value: reviewers.get(value, value)
    if name == "claim":
        return lambda value: str(CLAIMS.get(value, value))
    if name == "outcome":
        return lambda value: Outcome(value).title if value else ""
    return _plain


def _plain(value):
    """Cells come from pandas, so a yes/no or a figure may be a numpy scalar."""
    if isinstance(value, (bool, numpy.bool_)):
        return _("Yes") if value else _("No")
    if isinstance(value, (float, numpy.floating)):
        return "" if math.isnan(value) else round(float(value), 2)
    if isinstance(value, numpy.integer):
        return int(value)
    return value
