"""An award against the engine's recommendation (ISO/IEC 17024 §9.4): a written reason, then
a second administrator — neither the decider, nor a reviewer, nor the candidate — confirms it
before the certificate is issued; all in the audit log, on the result page and in the export."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from assessments.models import Application, Decision
from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from tests.support import login

REASON = "The C3 evidence was misread by both reviewers; see the interview notes."


@pytest.fixture
def overridden(app, create_user, create_competition, workflow):
    """An application the engine does not recommend (C3 below the floor), awarded anyway by an
    administrator; one of its reviewers is an administrator too."""
    admin = create_user("admin")
    candidate = create_user("candidate")
    reviewers = [create_user("admin", "reviewer"), create_user("reviewer")]
    competition_id = create_competition()
    application_id = workflow.submitted(competition_id, candidate)
    for reviewer in reviewers:
        workflow.review(workflow.assign(application_id, reviewer, admin), levels=(4, 4, 1))
    client = app.test_client()
    login(client, admin)
    response = client.post(f"/manage/applications/{application_id}/decide",
                           data={"confirm": "y", "outcome": "award", "reason": REASON})
    assert response.status_code == 302, response.get_data(as_text=True)
    return {"admin": admin, "client": client, "candidate": candidate, "reviewers": reviewers,
            "application": application_id, "competition": competition_id}


def state(in_app, application_id):
    def read():
        decision = db.session.scalar(sa.select(Decision).where(
            Decision.application_id == application_id))
        return (decision.outcome, decision.override, decision.moderation,
                db.session.scalar(sa.select(sa.func.count(Certificate.id))),
                db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))
    return in_app(read)


def confirm(client, application_id):
    return client.post(f"/manage/applications/{application_id}/moderate",
                       data={"verdict": "confirm", "note": "Read the file again: agreed."},
                       follow_redirects=True)


def test_an_override_waits_for_a_second_administrator(app, overridden, in_app):
    outcome, override, moderation, certificates, _ = state(in_app, overridden["application"])
    assert (outcome, override, moderation, certificates) == ("award", True, "pending", 0)
    page = overridden["client"].get(f"/manage/applications/{overridden['application']}")
    body = page.get_data(as_text=True)
    assert "Award against the engine" in body and "s recommendation.</strong>" in body
    assert "Pending confirmation" in body
    candidate = app.test_client()
    login(candidate, overridden["candidate"])
    assert candidate.get(f"/applications/{overridden['application']}/result").status_code == 403


REFUSALS = {
    "decider": "The moderator must be someone other than the decision maker.",
    "reviewer": "A reviewer of this application cannot decide it, second-check the decision or "
                "hear an appeal against it.",
}


@pytest.mark.parametrize("who", ["decider", "reviewer"])
def test_the_decider_or_a_reviewer_cannot_confirm(app, overridden, in_app, who):
    """Refused with the operation's own message (not the page's notice, which names the same
    rule), sent back to the application, and nothing written: no confirmation, certificate or
    audit entry."""
    person = overridden["admin"] if who == "decider" else overridden["reviewers"][0]
    client = overridden["client"] if who == "decider" else app.test_client()
    if who != "decider":
        login(client, person)
    application_id = overridden["application"]
    before = state(in_app, application_id)
    moderated_before = in_app(lambda: db.session.execute(sa.select(
        Decision.moderated_by_id, Decision.moderated_at, Decision.moderation_note)
        .where(Decision.application_id == application_id)).one())
    response = client.post(f"/manage/applications/{application_id}/moderate",
                           data={"verdict": "confirm", "note": "Read the file again: agreed."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/applications/{application_id}")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<li class="flash error">{REFUSALS[who]}</li>' in body
    assert "Second check recorded." not in body
    assert state(in_app, application_id) == before  # still pending, no certificate, no entry
    assert in_app(lambda: db.session.execute(sa.select(
        Decision.moderated_by_id, Decision.moderated_at, Decision.moderation_note)
        .where(Decision.application_id == application_id)).one()) == moderated_before


def test_a_second_administrator_confirms_and_the_certificate_is_issued(app, overridden, in_app,
                                                                       create_user):
    second = app.test_client()
    login(second, create_user("admin"))
    confirm(second, overridden["application"])
    _, override, moderation, certificates, _ = state(in_app, overridden["application"])
    assert (override, moderation, certificates) == (True, "confirmed", 1)

    def audit_rows():
        return [(e.action, e.data.get("override"), e.data.get("reason"))
                for e in db.session.scalars(sa.select(AuditEvent).where(
                    AuditEvent.action.in_(["application.decide",
                                           "application.moderation_confirmed"]))
                    .order_by(AuditEvent.id))]

    assert in_app(audit_rows) == [("application.decide", True, REASON),
                                  ("application.moderation_confirmed", True, None)]
    candidate = app.test_client()
    login(candidate, overridden["candidate"])
    result = candidate.get(f"/applications/{overridden['application']}/result")
    assert result.status_code == 200
    assert "Awarded against the scoring engine" in result.get_data(
        as_text=True)
    export = overridden["client"].get(
        f"/manage/competitions/{overridden['competition']}/export/results.csv")
    row = pd.read_csv(io.BytesIO(export.data)).set_index("assessment_id").loc[
        overridden["application"]]
    assert (row["outcome"], bool(row["override"]), bool(row["confirmed"]),
            bool(row["recommended"])) == ("award", True, True, False)


def test_an_award_the_engine_recommends_is_no_override(app, create_user, create_competition,
                                                      workflow, in_app):
    admin = create_user("admin")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    for reviewer in (create_user("reviewer"), create_user("reviewer")):
        workflow.review(workflow.assign(application_id, reviewer, admin), levels=(4, 4, 2))
    workflow.decide(application_id, admin, "award")
    _, override, moderation, certificates, _ = state(in_app, application_id)
    assert (override, moderation, certificates) == (False, "none", 1)
    assert in_app(lambda: db.session.get(Application, application_id).state) == "decided"
