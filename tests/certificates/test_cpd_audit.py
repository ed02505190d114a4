"""The annual declaration with its reminders, and the yearly random audit of CPD logs: a
reproducible draw, outcomes by uninvolved staff, suspension after the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.certificates.cpd.audits import sample
from certify.certificates.cpd.models import CpdAudit, CpdAuditDraw, CpdDeclaration
from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification
from tests.support import log_cpd, login


@pytest.fixture
def holders(award, create_user):
    """Four holders in force, each with a certificate (the award fixture's admin decided)."""
    people = [create_user("candidate", full_name=f"Holder {n}") for n in range(4)]
    for person in people:
        award(person)
    return people


def count(in_app, model, *where):
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count(model.id)).where(*where)))


def test_the_declaration_and_its_reminders(app, holders, runner, in_app):
    client = app.test_client()
    login(client, holders[0])
    half = client.post("/my/cpd/declaration", data={"cpd_kept": "y"}, follow_redirects=True)
    assert "Tick both boxes to declare." in half.get_data(as_text=True)
    assert count(in_app, CpdDeclaration) == 0
    client.post("/my/cpd/declaration", data={"cpd_kept": "y", "conduct_accepted": "y"})
    assert count(in_app, CpdDeclaration) == 1
    assert "Declared on" in client.get("/my/cpd/").get_data(as_text=True)
    twice = client.post("/my/cpd/declaration", data={"cpd_kept": "y", "conduct_accepted": "y"},
                        follow_redirects=True)
    assert "already declared" in twice.get_data(as_text=True)

    assert "Queued 3 reminders." in runner.invoke(args=["cpd", "remind"]).output
    assert "Queued 0 reminders." in runner.invoke(args=["cpd", "remind"]).output
    reminded = in_app(lambda: sorted(n.user_id for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == "cpd-declaration"))))
    assert reminded == sorted(p.id for p in holders[1:])
    body = in_app(lambda: db.session.scalar(sa.select(Notification.body).where(
        Notification.kind == "cpd-declaration")))
    assert "/my/cpd/" in body


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_the_same_population_and_seed_give_the_same_sample(seed):
    population = list(range(100, 300))
    drawn = sample(population, 0.05, seed)
    assert len(drawn) == 10 and set(drawn) <= set(population)
    assert sample(list(reversed(population)), 0.05, seed) == drawn
    assert sample(population, 0.1, seed) != drawn
    assert sample([5], 0.05, seed) == [5] and sample([], 0.05, seed) == []


def test_the_draw_is_recorded_and_made_once_a_year(holders, runner, in_app):
    answer = runner.invoke(args=["cpd", "draw-audit", "--year", "2026", "--rate", "0.5",
                                 "--seed", "42"])
    assert "Drew 2 of 4 holders (seed 42)." in answer.output
    sampled = in_app(lambda: sorted(db.session.scalars(sa.select(CpdAudit.holder_id))))
    assert sampled == sample([p.id for p in holders], 0.5, 42)
    logged = in_app(lambda: db.session.scalar(sa.select(AuditEvent.data).where(
        AuditEvent.action == "cpd.audit_draw")))
    assert logged["seed"] == 42 and logged["sampled"] == sampled
    again = runner.invoke(args=["cpd", "draw-audit", "--year", "2026", "--seed", "42"])
    assert again.exit_code != 0 and "already been drawn" in again.output
    assert count(in_app, CpdAuditDraw) == 1
    bad = runner.invoke(args=["cpd", "draw-audit", "--year", "2027", "--rate", "0"])
    assert bad.exit_code != 0 and count(in_app, CpdAuditDraw) == 1


def test_uninvolved_staff_record_the_outcome_and_the_deadline_suspends(
        app, holders, award, create_user, runner, in_app):
    runner.invoke(args=["cpd", "draw-audit", "--year", "2026", "--rate", "0.25", "--seed", "3"])
    audit_id, holder_id = in_app(lambda: tuple(db.session.execute(
        sa.select(CpdAudit.id, CpdAudit.holder_id)).one()))
    in_app(lambda: log_cpd(holder_id))
    outcome = {"outcome": "not_accepted", "comment": "The reflections are missing.",
               "deadline": str(utcnow().date() + timedelta(days=30))}

    decider = app.test_client()
    login(decider, award.admin)  # decided every holder's application
    page = decider.get(f"/certificates/cpd-audits/{audit_id}").get_data(as_text=True)
    assert "another staff member must audit" in page and "Course in teaching_practice" in page
    refused = decider.post(f"/certificates/cpd-audits/{audit_id}", data=outcome)
    assert refused.status_code == 422
    assert count(in_app, CpdAudit, CpdAudit.outcome.is_not(None)) == 0

    other = app.test_client()
    login(other, create_user("admin"))
    assert "Holder" in other.get("/certificates/cpd-audits").get_data(as_text=True)
    no_deadline = other.post(f"/certificates/cpd-audits/{audit_id}",
                             data=outcome | {"deadline": ""})
    assert no_deadline.status_code == 422
    assert other.post(f"/certificates/cpd-audits/{audit_id}", data=outcome).status_code == 302

    assert "Suspended 0 certificates." in runner.invoke(
        args=["cpd", "apply-consequences"]).output

    def deadline_passed():
        db.session.get(CpdAudit, audit_id).deadline = utcnow().date() - timedelta(days=1)

    in_app(deadline_passed)
    assert "Suspended 1 certificates." in runner.invoke(
        args=["cpd", "apply-consequences"]).output
    assert "Suspended 0 certificates." in runner.invoke(
        args=["cpd", "apply-consequences"]).output
    suspended = in_app(lambda: [c.holder_id for c in db.session.scalars(
        sa.select(Certificate).where(Certificate.suspended_at.is_not(None)))])
    assert suspended == [holder_id]
