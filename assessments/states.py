"""The states of the workflow's records, each with a translated title for display.

The models store them with ``EnumText`` (the same VARCHAR columns as ever); compare against
members, never against their string values.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class CompetitionState(StrEnum):
    draft = "draft"
    open = "open"
    reviewing = "reviewing"
    closed = "closed"

    @property
    def title(self) -> str:
        return str(_COMPETITION_STATE_TITLES[self])


_COMPETITION_STATE_TITLES = {
    CompetitionState.draft: _l("Draft"),
    CompetitionState.open: _l("Open for applications"),
    CompetitionState.reviewing: _l("Under review"),
    CompetitionState.closed: _l("Closed"),
}


class ApplicationState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    decided = "decided"
    withdrawn = "withdrawn"

    @property
    def title(self) -> str:
        return str(_APPLICATION_STATE_TITLES[self])


_APPLICATION_STATE_TITLES = {
    ApplicationState.draft: _l("Draft"),
    ApplicationState.submitted: _l("Submitted"),
    ApplicationState.under_review: _l("Under review"),
    ApplicationState.decided: _l("Decided"),
    ApplicationState.withdrawn: _l("Withdrawn"),
}


class ReviewState(StrEnum):
    draft = "draft"
    submitted = "submitted"

    @property
    def title(self) -> str:
        return str(_REVIEW_STATE_TITLES[self])


_REVIEW_STATE_TITLES = {
    ReviewState.draft: _l("Not submitted"),
    ReviewState.submitted: _l("Submitted"),
}


class Outcome(StrEnum):
    award = "award"
    refuse = "refuse"

    @property
    def title(self) -> str:
        return str(_OUTCOME_TITLES[self])


_OUTCOME_TITLES = {Outcome.award: _l("Awarded"), Outcome.refuse: _l("Not awarded")}


class Moderation(StrEnum):
    """The second check of a sampled award: ``none`` when the decision was not drawn."""

    none = "none"
    pending = "pending"
    confirmed = "confirmed"


class EvidenceKind(StrEnum):
    file = "file"
    link = "link"


class InterviewOutcome(StrEnum):
    satisfactory = "satisfactory"
    unsatisfactory = "unsatisfactory"

    @property
    def title(self) -> str:
        return str(_INTERVIEW_OUTCOME_TITLES[self])


_INTERVIEW_OUTCOME_TITLES = {
    InterviewOutcome.satisfactory: _l("satisfactory"),
    InterviewOutcome.unsatisfactory: _l("unsatisfactory"),
}


class AppealState(StrEnum):
    open = "open"
    upheld = "upheld"
    reopened = "reopened"
