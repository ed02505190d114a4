"""A review's version moves with its scores (issue 17).

``save_review`` touches the review whenever it saves scores, but a score changed anywhere else
through the ORM did not. Now every change that can move a figure does, so that a stale copy of
the review cannot overwrite its scores (``version_id_col``) and the analytics kept under a
fingerprint of the reviews (``assessments.analytics.figures_fingerprint``) are recomputed.
Registered on import, by the views (as ``analytics_refresh``): every process that changes data
builds the app.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from assessments.models import ReviewScore


def _counts_for_figures(score: ReviewScore, session: Session) -> bool:
    """Whether this pending change to a score can change a figure: a level given, changed or
    removed (a blank score added when a review is opened changes nothing)."""
    if score in session.deleted:
        return True
    if score in session.new:
        return score.level is not None
    state = sa.inspect(score)
    return any(state.attrs[name].history.has_changes()
               for name in ("level", "criterion_id", "review_id"))


@sa.event.listens_for(Session, "before_flush")
def _reviews_move_with_their_scores(session: Session, _context, _instances) -> None:
    """Flag the review of every score given, changed or removed in this flush."""
    for score in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(score, ReviewScore) or not _counts_for_figures(score, session):
            continue
        review = score.review
        if (review is not None and sa.inspect(review).persistent
                and review not in session.deleted):
            flag_modified(review, "state")
