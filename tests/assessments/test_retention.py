"""Retention (issue 20; ISO/IEC 17024 §7.1): the evidence of unsuccessful applications goes
after the configured years — a dry run first, then --apply; what is successful, recent or
under appeal stays, and decisions and the audit log are kept."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from assessments import evidence
from assessments.models import Application, Decision, Evidence
from assessments.operations import lodge_appeal, withdraw_application
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import User

PDF = b"%PDF-1.4\n% kept for a while\n%%EOF\n"


def age(in_app, application_id: int, years: int) -> None:
    """Move the decision (or the withdrawal) that many years into the past."""
    past = utcnow() - timedelta(days=365 * years + 1)
    in_app(lambda: (
        db.session.execute(sa.update(Decision).where(Decision.application_id == application_id)
                           .values(decided_at=past)),
        db.session.execute(sa.update(Application).where(Application.id == application_id)
                           .values(updated_at=past))))


def test_a_dry_run_lists_and_apply_deletes_only_old_unsuccessful_evidence(
        app, runner, in_app, create_user, create_competition, workflow):
    admin = create_user("admin")
    competition_id = create_competition(min_reviewers=1)

    def decided(outcome: str, years: int, appeal=False) -> tuple[int, int]:
        candidate = create_user("candidate")
        application_id = workflow.start(competition_id, candidate)
        workflow.fill(application_id)
        file_id = workflow.attach(application_id, PDF, "plan.pdf")
        workflow.submit(application_id, candidate)
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
        workflow.decide(application_id, admin, outcome)
        if appeal:  # lodged in time, still open years later
            in_app(lambda: lodge_appeal(db.session.get(Application, application_id),
                                        "The panel erred.", by=db.session.get(User, candidate.id)))
        age(in_app, application_id, years)
        return application_id, file_id

    old_refused, old_file = decided("refuse", 4)
    recent_refused, _ = decided("refuse", 1)
    old_awarded, _ = decided("award", 4)
    appealed, _ = decided("refuse", 4, appeal=True)
    withdrawer = create_user("candidate")
    withdrawn = workflow.start(competition_id, withdrawer)
    workflow.attach(withdrawn, PDF, "draft.pdf")
    in_app(lambda: withdraw_application(db.session.get(Application, withdrawn),
                                        by=db.session.get(User, withdrawer.id)))
    age(in_app, withdrawn, 4)
    old_path = in_app(lambda: evidence.stored_path(db.session.get(Evidence, old_file)))

    dry = runner.invoke(args=["retention"])
    assert dry.exit_code == 0, dry.output
    assert f"application {old_refused}: 1 files" in dry.output
    assert f"application {withdrawn}: 1 files, 0 links" in dry.output
    for kept in (recent_refused, old_awarded, appealed):
        assert f"application {kept}:" not in dry.output
    assert "Due (dry run, nothing deleted): evidence of 2 applications." in dry.output
    assert old_path.exists()

    applied = runner.invoke(args=["retention", "--apply"])
    assert "Deleted evidence of 2 applications." in applied.output, applied.output
    assert not old_path.exists()

    def left():
        return {a: db.session.scalar(sa.select(sa.func.count(Evidence.id))
                                     .where(Evidence.application_id == a))
                for a in (old_refused, withdrawn, recent_refused, old_awarded, appealed)}

    counts = in_app(left)
    assert counts[old_refused] == counts[withdrawn] == 0
    assert all(counts[a] > 0 for a in (recent_refused, old_awarded, appealed))
    assert in_app(lambda: db.session.get(Application, old_refused).decision.outcome) == "refuse"
    audited = in_app(lambda: sorted(db.session.scalars(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "retention.evidence_deleted"))))
    assert audited == sorted([old_refused, withdrawn])
    assert "evidence of 0 applications" in runner.invoke(args=["retention"]).output
