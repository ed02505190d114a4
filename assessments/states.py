"""The states of the workflow's records, each with a translated title for display.

The models store them with ``EnumText`` (the same VARCHAR columns as ever); compare against
members, never against their string values.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from certify.core.i18n import TitledEnum


class CompetitionState(TitledEnum):
    draft = "draft", _l("Draft")
    open = "open", _l("Open for applications")
    reviewing = "reviewing", _l("Under review")
    closed = "closed", _l("Closed")


class ApplicationState(TitledEnum):
    draft = "draft", _l("Draft")
    submitted = "submitted", _l("Submitted")
    under_review = "under_review", _l("Under review")
    decided = "decided", _l("Decided")
    withdrawn = "withdrawn", _l("Withdrawn")


class ReviewState(TitledEnum):
    draft = "draft", _l("Not submitted")
    submitted = "submitted", _l("Submitted")


class Outcome(TitledEnum):
    award = "award", _l("Awarded")
    refuse = "refuse", _l("Not awarded")


class Moderation(StrEnum):
    """The second check of a sampled award: ``none`` when the decision was not drawn."""

    none = "none"
    pending = "pending"
    confirmed = "confirmed"


# A decision is final unless its sampled award still waits for the second check.
FINAL_MODERATION = frozenset({Moderation.none, Moderation.confirmed})


class EvidenceKind(StrEnum):
    file = "file"
    link = "link"


class InterviewOutcome(TitledEnum):
    satisfactory = "satisfactory", _l("satisfactory")
    unsatisfactory = "unsatisfactory", _l("unsatisfactory")


class FindingOutcome(TitledEnum):
    """What the interview made of one probed criterion's claim."""

    confirmed = "confirmed", _l("confirmed")
    partly_confirmed = "partly_confirmed", _l("partly confirmed")
    not_confirmed = "not_confirmed", _l("not confirmed")


class AppealState(StrEnum):
    open = "open"
    upheld = "upheld"
    reopened = "reopened"
