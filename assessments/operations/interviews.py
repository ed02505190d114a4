"""The interview before the decision: recorded against the rubric's interview protocol, a
finding per probed criterion, the outcome following from them (docs/scoring.md, "The
interview"); and what a decision needs of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.interviews import InterviewFinding, findings_of, interview_outcome
from assessments.models import Application, Interview
from assessments.operations.guards import require_impartial
from assessments.states import ApplicationState, FindingOutcome, InterviewOutcome
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.users.models import User
from rubrics.interview_protocol import interview_required, probed_codes


@dataclass(frozen=True)
class FindingInput:
    """The panel's finding on one probed criterion, as posted."""

    outcome: FindingOutcome | None
    note: str = ""


def _protocol(application: Application) -> dict:
    return application.competition.rubric_version.interview or {}


def _finding_problems(application: Application,
                      findings: Mapping[str, FindingInput]) -> list[Problem]:
    problems = []
    for code in probed_codes(_protocol(application)):
        finding = findings.get(code)
        if finding is None or finding.outcome is None:
            problems.append(Problem(_("%(code)s: choose what the interview made of this "
                                      "criterion.", code=code), field=f"finding-{code}"))
        elif finding.outcome != FindingOutcome.confirmed and not finding.note.strip():
            problems.append(Problem(_("%(code)s: say in a note what the interview did not "
                                      "confirm.", code=code), field=f"note-{code}"))
    return problems


def record_interview(application: Application, *, held_on: date, panel: str, notes: str,
                     by: User, outcome: InterviewOutcome | None = None,
                     findings: Mapping[str, FindingInput] | None = None) -> Interview:
    """Record (or record again) the interview. Under a protocol every probed criterion needs
    a finding and the outcome follows from them; without one the panel gives the outcome."""
    require_impartial(application, by)
    if application.state != ApplicationState.under_review:
        raise DomainError(_("An interview is recorded while the application is under "
                            "review."))
    codes = probed_codes(_protocol(application))
    findings = findings or {}
    if codes:
        problems = _finding_problems(application, findings)
        if problems:
            raise DomainError(*problems)
        by_code = {c.code: c for c in application.competition.rubric_version.criteria}
        outcome = interview_outcome(
            {code: findings[code].outcome for code in codes},
            {code for code in codes if by_code[code].min_pass_level is not None})
    elif outcome is None:
        raise DomainError(Problem(_("Choose an outcome."), field="outcome"))
    interview = application.interview or Interview()
    application.interview = interview
    interview.held_on, interview.panel = held_on, panel.strip()
    interview.outcome, interview.notes = outcome, notes.strip()
    interview.recorded_by_id, interview.recorded_at = by.id, utcnow()
    db.session.add(interview)
    db.session.flush()
    db.session.execute(sa.delete(InterviewFinding)
                       .where(InterviewFinding.interview_id == interview.id))
    for code in codes:
        db.session.add(InterviewFinding(
            interview_id=interview.id, criterion_id=by_code[code].id,
            outcome=findings[code].outcome, note=findings[code].note.strip()))
    db.session.flush()
    audit.record("application.interview", application, actor=by, outcome=outcome,
                 held_on=held_on.isoformat(),
                 **({"findings": {code: str(findings[code].outcome) for code in codes}}
                    if codes else {}))
    return interview


def interview_record(application: Application) -> dict | None:
    """The interview as the decision keeps it and its audit entry records it: outcome, date,
    panel and, under a protocol, the finding and note per probed criterion (None: no
    interview)."""
    interview = application.interview
    if interview is None:
        return None
    return {"outcome": str(interview.outcome), "held_on": interview.held_on.isoformat(),
            "panel": interview.panel, "notes": interview.notes,
            "findings": {f.criterion.code: {"outcome": str(f.outcome), "note": f.note}
                         for f in findings_of(interview).values()}}


def require_interview(application: Application) -> None:
    """A decision waits for the interview where the track or the protocol requires it, and
    for a finding on every probed criterion once one is recorded (§3.4 rule 5)."""
    protocol = _protocol(application)
    interview = application.interview
    if interview is None:
        if interview_required(protocol, application.competition.track):
            raise DomainError(_("Record the candidate's interview before deciding (engineer "
                                "track).") if application.competition.track == "engineer"
                              else _("Record the candidate's interview before deciding: this "
                                     "rubric requires it."))
        return
    recorded = {finding.criterion.code for finding in findings_of(interview).values()}
    missing = [code for code in probed_codes(protocol) if code not in recorded]
    if missing:
        raise DomainError(_("Record the interview's finding on every probed criterion before "
                            "deciding; missing: %(codes)s.", codes=", ".join(missing)))
