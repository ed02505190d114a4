"""The audit log is a hash chain: an edited or deleted entry is found."""

from __future__ import annotations

import sqlalchemy as sa

from certify.core.audit import GENESIS, AuditEvent, record, verify_chain
from certify.core.extensions import db


def _three_entries(in_app):
    def write():
        for step in ("first", "second", "third"):
            record("test.step", None, step=step, when="2026-11-24")

    in_app(write)


def test_entries_link_to_the_one_before(in_app):
    _three_entries(in_app)

    def chain():
        return [(e.prev_hash, e.hash) for e in db.session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id))]

    links = in_app(chain)
    assert links[0][0] == GENESIS
    assert [prev for prev, _ in links[1:]] == [digest for _, digest in links[:-1]]
    assert in_app(verify_chain) == (3, [])


def test_verify_finds_an_edited_entry(runner, in_app):
    _three_entries(in_app)
    assert "3 entries checked, 0 problems" in runner.invoke(args=["audit", "verify"]).output

    def tamper():
        second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == second.id)
                           .values(data={"step": "rewritten"}))
        return second.id

    edited = in_app(tamper)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {edited}: its content was changed" in result.output


def test_verify_finds_a_deleted_entry(runner, in_app):
    _three_entries(in_app)

    def remove():
        second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == second.id))
        return second.id + 1

    following = in_app(remove)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {following}: the entry before it was changed or removed" in result.output


def test_the_demo_log_verifies(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_verify_reads_the_log_in_batches_and_finds_a_break_across_them(in_app):
    """``audit verify`` streams the log (1,000 entries at a time by default): the chain is
    followed across batch boundaries, and a break at one is found."""
    def write():
        for step in range(7):
            record("test.step", None, step=step)

    in_app(write)
    assert in_app(lambda: verify_chain(batch=2)) == (7, [])

    def tamper():
        fifth = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[4]
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == fifth.id)
                           .values(data={"step": "rewritten"}))
        return fifth.id

    edited = in_app(tamper)
    count, breaks = in_app(lambda: verify_chain(batch=2))
    assert count == 7
    assert [(b.event_id, b.problem) for b in breaks] == [(edited, "its content was changed")]
