"""What the workflow does: start, save and submit an application; assign, review, decide.

Each operation checks the rule it enforces, flushes and never commits (the view commits once),
and refuses with ``DomainError`` carrying a translated message for the user. The verbs live in
the modules below by subject; they are gathered here so callers need not know which.
"""

from assessments.operations.applications import (
    AnswerInput,
    check_eligibility,
    declare_specialism,
    return_application,
    save_answers,
    set_specialism,
    start_application,
    submit_application,
    withdraw_application,
)
from assessments.operations.competitions import CompetitionInput, save_competition
from assessments.operations.decisions import (
    can_appeal,
    decide,
    lodge_appeal,
    moderate,
    request_revision,
    resolve_appeal,
)
from assessments.operations.declarations import sign_declaration
from assessments.operations.interviews import FindingInput, record_interview
from assessments.operations.reviews import (
    ScoreInput,
    assign_reviewer,
    auto_assign,
    declare_conflict,
    declare_staff_conflict,
    post_to_discussion,
    reopen_review,
    save_review,
)

__all__ = [
    "AnswerInput",
    "CompetitionInput",
    "FindingInput",
    "ScoreInput",
    "assign_reviewer",
    "auto_assign",
    "can_appeal",
    "check_eligibility",
    "decide",
    "declare_conflict",
    "declare_staff_conflict",
    "lodge_appeal",
    "moderate",
    "post_to_discussion",
    "record_interview",
    "reopen_review",
    "request_revision",
    "resolve_appeal",
    "return_application",
    "save_answers",
    "save_competition",
    "save_review",
    "sign_declaration",
    "declare_specialism",
    "set_specialism",
    "start_application",
    "submit_application",
    "withdraw_application",
]
