"""The reviews' change mark (``certify.core.change_marks``, migration 0041): the database
replaces it whenever a review's scoring columns change, however the change is made, and the
reviewer pool's kept severities follow it — never stale, and read with one row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments.reviewers.severity import REVIEW_SCORES
from certify.core.change_marks import current_mark
from certify.core.extensions import db
from tests.support import counting_statements


@pytest.fixture
def panel(create_user, create_competition, workflow, admin_client):
    """Two reviewers on three applications: the strict one at level 1 of 4 (25 %), the
    generous one at 3 (75 %) on every criterion. (competition id, strict, generous)"""
    competition_id = create_competition()
    strict = create_user("reviewer", full_name="Strict Reviewer")
    generous = create_user("reviewer", full_name="Generous Reviewer")
    for _ in range(3):
        application_id = workflow.submitted(competition_id, create_user("candidate"))
        workflow.review(workflow.assign(application_id, strict, admin_client.person), (1, 1, 1))
        workflow.review(workflow.assign(application_id, generous, admin_client.person), (3, 3, 3))
    return competition_id, strict, generous


def mark(in_app) -> str | None:
    return in_app(lambda: current_mark(REVIEW_SCORES))


def by_hand(in_app, statement: str, **parameters) -> None:
    """SQL as an operator would type it in psql: no application hook sees it."""
    in_app(lambda: db.session.execute(sa.text(statement), parameters))


@pytest.mark.parametrize("statement", [
    "UPDATE reviews SET weighted_score = weighted_score + 1 WHERE reviewer_id = :strict",
    "UPDATE reviews SET state = 'draft', submitted_at = NULL, weighted_score = NULL "
    "WHERE reviewer_id = :strict",
    "UPDATE reviews SET reviewer_id = :newcomer WHERE reviewer_id = :strict",
    "DELETE FROM review_scores; DELETE FROM reviews WHERE reviewer_id = :strict",
])
def test_a_scoring_column_changed_by_hand_moves_the_mark(panel, in_app, create_user,
                                                         statement):
    _competition, strict, _generous = panel
    newcomer = create_user("reviewer")
    before = mark(in_app)
    for each in statement.split("; "):
        by_hand(in_app, each, strict=strict.id, newcomer=newcomer.id)
    assert None is not mark(in_app) != before


def test_a_new_review_moves_the_mark(panel, in_app, workflow, create_user, admin_client):
    competition_id, strict, _generous = panel
    before = mark(in_app)
    workflow.assign(workflow.submitted(competition_id, create_user("candidate")), strict,
                    admin_client.person)
    assert mark(in_app) != before


def test_what_no_severity_reads_moves_nothing(panel, in_app):
    _competition, strict, _generous = panel
    before = mark(in_app)
    by_hand(in_app, "UPDATE reviews SET assigned_at = submitted_at, version = version + 1 "
                    "WHERE reviewer_id = :strict", strict=strict.id)
    assert mark(in_app) == before


def test_a_change_rolled_back_moves_nothing(panel, app, in_app):
    _competition, strict, _generous = panel
    before = mark(in_app)
    with app.app_context():
        db.session.execute(sa.text("UPDATE reviews SET weighted_score = 0 "
                                   "WHERE reviewer_id = :strict"), {"strict": strict.id})
        db.session.rollback()
    assert mark(in_app) == before


def strict_row(client) -> tuple[str, list[str]]:
    with counting_statements(client.application) as statements:
        page = client.get("/reviewers/").get_data(as_text=True)
    return page.split("Strict Reviewer", 1)[1].split("</tr>", 1)[0], statements


def test_with_a_cache_a_score_changed_by_hand_shows_on_the_next_pool_page(
        panel, cache, in_app, admin_client):
    _competition, strict, _generous = panel
    row, _ = strict_row(admin_client)
    assert "-50.0" in row and "n = 3" in row  # 25 % against 75 %
    row, statements = strict_row(admin_client)  # kept: one row of marks, no aggregate
    assert "-50.0" in row
    assert any("change_marks" in s for s in statements)
    assert not [s for s in statements if "FROM reviews" in s and "weighted_score" in s]
    by_hand(in_app, "UPDATE reviews SET weighted_score = 75 WHERE reviewer_id = :strict",
            strict=strict.id)
    row, _ = strict_row(admin_client)
    assert "-50.0" not in row and "0.0" in row and "n = 3" in row


def test_without_a_mark_the_fingerprint_is_the_aggregate_and_still_follows(
        panel, cache, in_app, admin_client):
    """A table of marks emptied by hand: the pool falls back to the aggregate over the
    scored reviews and is still never stale."""
    _competition, strict, _generous = panel
    by_hand(in_app, "DELETE FROM change_marks")
    row, statements = strict_row(admin_client)
    assert "-50.0" in row
    assert any("FROM reviews" in s and "sum(" in s for s in statements)
    by_hand(in_app, "UPDATE reviews SET weighted_score = 75 WHERE reviewer_id = :strict",
            strict=strict.id)
    assert mark(in_app) is not None  # the first change writes a mark again
    row, _ = strict_row(admin_client)
    assert "-50.0" not in row and "0.0" in row


def test_what_no_row_trigger_sees_moves_the_mark_too(panel, in_app):
    """PostgreSQL's TRUNCATE fires no row trigger; SQLite runs a trigger under the outer
    statement's conflict policy (an ``OR IGNORE`` would have skipped an upsert's conflict)."""
    _competition, strict, _generous = panel
    before = mark(in_app)
    if in_app(lambda: db.session.get_bind().dialect.name) == "postgresql":
        by_hand(in_app, "TRUNCATE reviews CASCADE")
    else:
        by_hand(in_app, "UPDATE OR IGNORE reviews SET weighted_score = weighted_score + 1 "
                        "WHERE reviewer_id = :strict", strict=strict.id)
    assert None is not mark(in_app) != before


def test_making_the_schema_again_leaves_the_triggers_as_they_are(panel, app, in_app):
    before = mark(in_app)
    with app.app_context():
        db.create_all()  # every table exists: nothing is made, no trigger made twice
    by_hand(in_app, "UPDATE reviews SET weighted_score = 1")
    assert None is not mark(in_app) != before
