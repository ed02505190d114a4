"""The structured interview: a finding per criterion the rubric's protocol probes, and the
rule that turns the findings into the interview's outcome (docs/scoring.md, "The interview").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from assessments.models import Interview
from assessments.states import FindingOutcome, InterviewOutcome
from certify.core.db_types import EnumText
from certify.core.extensions import db
from rubrics.models import Criterion, RubricVersion


class InterviewFinding(db.Model):
    """What the interview made of one probed criterion's claim, with the panel's note."""

    __tablename__ = "interview_findings"
    __table_args__ = (
        sa.UniqueConstraint("interview_id", "criterion_id"),
        sa.CheckConstraint(
            "outcome IN ('confirmed', 'partly_confirmed', 'not_confirmed')",
            name="known_outcome"),
        # A claim the interview did not fully bear out is justified in writing (§3.1).
        sa.CheckConstraint("outcome = 'confirmed' OR length(note) > 0", name="note_if_doubt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"),
                                              index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    outcome: Mapped[FindingOutcome] = mapped_column(EnumText(FindingOutcome))
    note: Mapped[str] = mapped_column(Text, default="")

    # One way: the findings are read through ``findings_of`` (Interview sits in the models
    # module, which stays free of this one; the database deletes findings with the interview).
    interview: Mapped[Interview] = relationship()
    criterion: Mapped[Criterion] = relationship()


def interview_outcome(findings: Mapping[str, FindingOutcome],
                      must_pass: set[str]) -> InterviewOutcome:
    """The interview's outcome from its findings ({criterion code: outcome}).

    Unsatisfactory when the interview did not confirm a must-pass criterion (an average
    cannot rescue one, domain_anchors §3.4 rule 6), or did not confirm half or more of the
    criteria it probed (the file's claims do not stand); satisfactory otherwise. "Partly
    confirmed" does not fail the interview: the panel weighs it with the scores."""
    not_confirmed = {code for code, outcome in findings.items()
                     if outcome == FindingOutcome.not_confirmed}
    if not_confirmed & must_pass or (findings and 2 * len(not_confirmed) >= len(findings)):
        return InterviewOutcome.unsatisfactory
    return InterviewOutcome.satisfactory


def findings_of(interview: Interview | None) -> dict[int, InterviewFinding]:
    """An interview's findings by criterion id ({} for none, or an interview from before
    protocols)."""
    if interview is None or interview.id is None:
        return {}
    rows = db.session.scalars(sa.select(InterviewFinding)
                              .where(InterviewFinding.interview_id == interview.id)
                              .options(joinedload(InterviewFinding.criterion)))
    return {finding.criterion_id: finding for finding in rows}


def probed_criteria(version: RubricVersion) -> list[tuple[Criterion, list[dict[str, str]]]]:
    """The criteria the version's protocol probes, in its order, each with its questions
    ({lang: text} each); [] without a protocol."""
    by_code = {criterion.code: criterion for criterion in version.criteria}
    return [(by_code[probe["code"]], probe["questions"])
            for probe in (version.interview or {}).get("criteria", [])
            if probe["code"] in by_code]


@dataclass(frozen=True)
class RecordedFinding:
    outcome: FindingOutcome
    note: str


@dataclass(frozen=True)
class InterviewAtDecision:
    """The interview as a decision kept it (``Decision.interview``), shaped for display like a
    recorded interview: findings by criterion id."""

    outcome: InterviewOutcome
    held_on: date
    panel: str
    notes: str
    findings: dict[int, RecordedFinding]


def interview_at_decision(kept: dict | None,
                          version: RubricVersion) -> InterviewAtDecision | None:
    if not kept:
        return None
    ids = {criterion.code: criterion.id for criterion in version.criteria}
    return InterviewAtDecision(
        outcome=InterviewOutcome(kept["outcome"]), held_on=date.fromisoformat(kept["held_on"]),
        panel=kept["panel"], notes=kept.get("notes", ""),
        findings={ids[code]: RecordedFinding(FindingOutcome(item["outcome"]), item["note"])
                  for code, item in kept.get("findings", {}).items() if code in ids})
