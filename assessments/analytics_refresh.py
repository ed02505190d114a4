"""Analytics kept ready after a change (issue 17): the first staff request after a review
comes in should not wait seconds for the figures (assessments/analytics_page.py).

When a review, a rating or an assignment of a competition changes, the commit queues one
background refresh of that competition (certify.core.jobs.enqueue_refresh: one waiting at a
time, however many changes come). The job worker computes the figures and
charts for the whole competition and for each branch's applications, in every language, into
the cache under the data's new fingerprint, and every reviewer's severity for the pool
(assessments/reviewers/severity.py); a request that comes first computes them itself,
as before, so nothing is ever served stale. Without a job queue or a cache nothing is queued.
A self-assessment saved queues nothing: the figures read none (their disagreements come from
the ratings alone), and candidates save drafts often while a call is open.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from assessments.analytics_page import analytics_figures
from assessments.models import Application, Competition, Review, ReviewScore
from assessments.reviewers.severity import keep_every_severity
from certify.core import jobs
from certify.core.extensions import db

CHANGED = "certify_analytics_changed"  # the session's changed application ids, until commit


def _application_id(instance: object) -> int | None:
    if isinstance(instance, Review):
        return instance.application_id or getattr(instance.application, "id", None)
    if isinstance(instance, ReviewScore):
        review = instance.review
        return review.application_id if review is not None else None
    return None


def _watching() -> bool:
    return has_app_context() and bool(current_app.config.get("JOBS_REDIS_URL")) and bool(
        current_app.config.get("PUBLIC_CACHE_URL"))


@event.listens_for(Session, "after_flush")  # new rows have their ids; new, dirty, deleted
def _note_changes(session: Session, _context) -> None:  # still name what was flushed
    if not _watching():
        return
    changed = {_application_id(instance)
               for instance in (*session.new, *session.dirty, *session.deleted)}
    changed.discard(None)
    if changed:
        session.info.setdefault(CHANGED, set()).update(changed)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)


@event.listens_for(Session, "after_commit")
def _queue_refresh(session: Session) -> None:
    changed = session.info.pop(CHANGED, None)
    if not changed or not _watching():
        return
    with db.engine.connect() as connection:  # this session may not run SQL after its commit
        competitions = connection.scalars(
            sa.select(Application.competition_id).distinct()
            .where(Application.id.in_(sorted(changed)))).all()
    for competition_id in competitions:
        jobs.enqueue_refresh("assessments.analytics_refresh.refresh", competition_id,
                             pending=f"analytics-{competition_id}")


def refresh(competition_id: int) -> None:
    """What the job worker runs: the figures of every scope a person is likely to open (the
    whole competition for administrators; each branch for its coordinator), in every
    language. Staff whose own or conflicted applications are hidden compute theirs on
    request."""
    jobs.refresh_started(f"analytics-{competition_id}")
    try:
        competition = db.session.get(Competition, competition_id)
        if competition is None:
            return
        branches = db.session.scalars(
            sa.select(Application.branch_id).distinct()
            .where(Application.competition_id == competition_id,
                   Application.branch_id.is_not(None))).all()
        for scope in [None, *({branch} for branch in sorted(branches))]:
            for language in current_app.config["LANGUAGES"]:
                with force_locale(language):
                    analytics_figures(competition, scope, set())
        keep_every_severity()  # the reviewer pool's figures rest on the same reviews
    finally:
        db.session.remove()
