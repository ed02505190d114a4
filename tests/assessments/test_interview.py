"""The structured interview: recorded against the rubric's protocol, a finding per probed
criterion, the outcome by the stated rule, and the decision that waits for it and shows it."""

from __future__ import annotations

import copy
import html

import pytest
import sqlalchemy as sa

from assessments.interviews import InterviewFinding, interview_outcome
from assessments.models import Decision, Interview
from assessments.states import FindingOutcome, InterviewOutcome, Moderation
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from rubrics.io import LIBRARY, import_rubric, load_file
from tests.support import SMALL_RUBRIC, login, open_competition

C, P, N = (FindingOutcome.confirmed, FindingOutcome.partly_confirmed,
           FindingOutcome.not_confirmed)
QUESTIONS = {
    "C1": ("Which principal hazard did you manage yourself?",
           "Какой главной опасностью вы управляли сами?",
           "Қай басты қауіпті өзіңіз басқардыңыз?"),
    "C3": ("Who reported to you?", "Кто подчинялся вам?", "Сізге кім бағынды?"),
}
DECIDE = {"confirm": "y", "outcome": "award", "reason": "All criteria met at threshold."}


def rubric(track: str, required: bool) -> dict:
    document = copy.deepcopy(SMALL_RUBRIC)
    document.update(code=f"IV-{track[0].upper()}{int(required)}", track=track)
    document["version"]["interview"] = {"required": required, "criteria": [
        {"code": code, "questions": [{"en": en, "ru": ru, "kk": kk}]}
        for code, (en, ru, kk) in QUESTIONS.items()]}
    return document


@pytest.fixture
def file_under_review(in_app, create_user, workflow):
    """make(track, required) -> (admin, application id, reviewers, candidate): an application
    with two submitted reviews under a rubric whose protocol probes C1 (must-pass) and C3."""

    def make(track="engineer", required=True, document=None):
        version_id = in_app(lambda: import_rubric(document or rubric(track, required)).id)
        competition_id = in_app(lambda: open_competition(version_id))
        admin = create_user("admin")
        candidate = create_user("candidate")
        application_id = workflow.submitted(competition_id, candidate)
        reviewers = [create_user("reviewer") for _ in range(2)]
        for reviewer in reviewers:
            workflow.review(workflow.assign(application_id, reviewer, admin))
        return admin, application_id, reviewers, candidate

    return make


def posted(c1="confirmed", c3="confirmed", note1="", note3="", **extra) -> dict:
    data = {"held_on": "2026-11-20", "panel": "E. Morozova, J. Whitfield",
            "notes": "Experience confirmed as described in the file.",
            "finding_0": c1, "note_0": note1, "finding_1": c3, "note_1": note3}
    return {key: value for key, value in (data | extra).items() if value is not None}


def counts(in_app):
    return in_app(lambda: (db.session.scalar(sa.select(sa.func.count(Interview.id))),
                           db.session.scalar(sa.select(sa.func.count(InterviewFinding.id)))))


@pytest.mark.parametrize(("findings", "must_pass", "expected"), [
    ({"C1": C, "C3": C}, {"C1"}, InterviewOutcome.satisfactory),
    ({"C1": P, "C3": P}, {"C1"}, InterviewOutcome.satisfactory),
    ({"C1": N, "C3": C}, {"C1"}, InterviewOutcome.unsatisfactory),  # a must-pass not confirmed
    ({"C1": C, "C3": N}, {"C1"}, InterviewOutcome.unsatisfactory),  # half not confirmed
    ({"C1": C, "C2": C, "C3": N}, {"C1"}, InterviewOutcome.satisfactory),
    ({"C1": C, "C2": N, "C3": N}, set(), InterviewOutcome.unsatisfactory),
])
def test_the_outcome_follows_from_the_findings(findings, must_pass, expected):
    assert interview_outcome(findings, must_pass) == expected


def test_the_form_lists_each_probed_criterion_with_its_questions(app, file_under_review):
    admin, application_id, *_others = file_under_review()
    client = app.test_client()
    login(client, admin)
    page = html.unescape(client.get(f"/manage/applications/{application_id}")
                         .get_data(as_text=True))
    for code, (question, *_translations) in QUESTIONS.items():
        assert f'data-criterion="{code}"' in page and question in page
    assert 'name="finding_0"' in page and 'name="note_1"' in page
    assert 'value="satisfactory"' not in page  # the outcome follows from the findings
    client.post("/language/kk", data={})
    kazakh = html.unescape(client.get(f"/manage/applications/{application_id}")
                           .get_data(as_text=True))
    assert QUESTIONS["C1"][2] in kazakh


def test_a_missing_finding_keeps_what_was_typed_and_saves_nothing(app, file_under_review,
                                                                  in_app):
    admin, application_id, *_others = file_under_review()
    client = app.test_client()
    login(client, admin)
    response = client.post(f"/manage/applications/{application_id}/interview",
                           data=posted(c1="not_confirmed", c3=None,
                                       panel="Panel typed by hand"))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Choose what the interview made of this criterion." in page
    assert "C1: say in a note what the interview did not confirm." in page
    assert 'value="Panel typed by hand"' in page
    assert '<input checked id="finding_0-2" name="finding_0"' in page
    assert counts(in_app) == (0, 0)


def test_the_decision_waits_for_the_interview_and_shows_it(app, file_under_review, in_app):
    admin, application_id, *_others = file_under_review()
    client = app.test_client()
    login(client, admin)
    early = client.post(f"/manage/applications/{application_id}/decide", data=DECIDE)
    assert early.status_code == 422
    assert "Record the candidate&#39;s interview" in early.get_data(as_text=True)

    recorded = client.post(f"/manage/applications/{application_id}/interview",
                           data=posted(c3="partly_confirmed",
                                       note3="Led the team for one year, not three."))
    assert recorded.status_code == 302
    assert counts(in_app) == (1, 2)
    page = html.unescape(client.get(f"/manage/applications/{application_id}")
                         .get_data(as_text=True))
    assert "Led the team for one year, not three." in page
    row = page[page.index('<tr data-criterion="C3">'):]
    row = row[:row.index("</tr>")]
    assert "3.0" in row and "partly confirmed" in row  # beside the panel mean (3, 3)
    # The form to correct the record starts from what was recorded.
    assert 'value="E. Morozova, J. Whitfield"' in page
    assert '<input checked id="finding_1-1" name="finding_1"' in page

    assert client.post(f"/manage/applications/{application_id}/decide",
                       data=DECIDE).status_code == 302
    decided = html.unescape(client.get(f"/manage/applications/{application_id}")
                            .get_data(as_text=True))
    section = decided[decided.index('class="decision'):]
    assert "partly confirmed" in section and "satisfactory" in section

    def audit():
        events = {e.action: e.data for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_id == application_id,
                                        AuditEvent.action.like("application.%")))}
        return events["application.interview"], events["application.decide"]

    interview, decision = in_app(audit)
    assert interview["findings"] == {"C1": "confirmed", "C3": "partly_confirmed"}
    kept = {"outcome": "satisfactory", "held_on": "2026-11-20",
            "panel": "E. Morozova, J. Whitfield",
            "notes": "Experience confirmed as described in the file.",
            "findings": {"C1": {"outcome": "confirmed", "note": ""},
                         "C3": {"outcome": "partly_confirmed",
                                "note": "Led the team for one year, not three."}}}
    assert decision["interview"] == kept
    assert in_app(lambda: db.session.scalars(sa.select(Decision)).one().interview) == kept


def test_an_award_after_an_unsatisfactory_interview_waits_for_a_second_administrator(
        app, file_under_review, in_app):
    admin, application_id, *_others = file_under_review()
    client = app.test_client()
    login(client, admin)
    client.post(f"/manage/applications/{application_id}/interview",
                data=posted(c1="not_confirmed", note1="Could not name the critical controls."))
    assert in_app(lambda: db.session.scalar(sa.select(Interview.outcome))) == "unsatisfactory"
    assert client.post(f"/manage/applications/{application_id}/decide",
                       data=DECIDE).status_code == 302
    assert in_app(lambda: db.session.scalars(sa.select(Decision)).one().moderation) \
        == Moderation.pending
    assert in_app(lambda: db.session.scalars(sa.select(Decision)).one().override) is True


@pytest.mark.parametrize(("required", "early_status"), [(False, 302), (True, 422)])
def test_the_professor_track_interviews_when_its_protocol_says_so(
        app, file_under_review, required, early_status):
    admin, application_id, *_others = file_under_review("professor", required)
    client = app.test_client()
    login(client, admin)
    page = client.get(f"/manage/applications/{application_id}").get_data(as_text=True)
    assert 'name="finding_0"' in page  # optional or not, the panel may record one
    response = client.post(f"/manage/applications/{application_id}/decide", data=DECIDE)
    assert response.status_code == early_status
    if required:
        assert "this rubric requires it" in response.get_data(as_text=True)


def test_an_interview_without_a_protocol_still_records_and_displays(app, file_under_review,
                                                                    in_app):
    document = {**copy.deepcopy(SMALL_RUBRIC), "code": "IV-OLD", "track": "engineer"}
    admin, application_id, *_others = file_under_review(document=document)
    client = app.test_client()
    login(client, admin)
    client.post(f"/manage/applications/{application_id}/interview", data={
        "held_on": "2026-11-20", "panel": "E. Morozova", "outcome": "satisfactory",
        "notes": "Experience confirmed as described."})
    assert client.post(f"/manage/applications/{application_id}/decide",
                       data=DECIDE).status_code == 302
    page = client.get(f"/manage/applications/{application_id}").get_data(as_text=True)
    section = page[page.index('class="decision'):]
    assert "E. Morozova" in section and "satisfactory" in section
    assert "interview-findings" not in page
    assert counts(in_app) == (1, 0)


# Who may record the interview: staff of the file's branch and administrators; not its
# reviewers, not its candidate, not a coordinator of another branch.
@pytest.mark.parametrize(("who", "status"), [
    ("admin", 302), ("coordinator", 302), ("coordinator_other_branch", 403),
    ("reviewer", 403), ("candidate", 403), ("other_candidate", 403),
])
def test_who_may_record_the_interview(app, file_under_review, create_user, in_app, who,
                                      status):
    admin, application_id, reviewers, candidate = file_under_review()
    people = {
        "admin": admin,
        "coordinator": create_user("coordinator", branch="KZ"),
        "coordinator_other_branch": create_user("coordinator", branch="RU"),
        "reviewer": reviewers[0],
        "candidate": candidate,
        "other_candidate": create_user("candidate"),
    }
    client = app.test_client()
    login(client, people[who])
    response = client.post(f"/manage/applications/{application_id}/interview",
                           data=posted())
    assert response.status_code == status
    assert counts(in_app) == ((1, 2) if status == 302 else (0, 0))



def test_the_worked_example_of_docs_scoring():
    """docs/scoring.md, "The interview": CME v2 with E8 (must-pass) not confirmed."""
    version = load_file(LIBRARY / "cme.v2.json")["version"]
    must_pass = {c["code"] for c in version["criteria"] if c["min_pass_level"] is not None}
    findings = {probe["code"]: C for probe in version["interview"]["criteria"]}
    assert interview_outcome(findings, must_pass) == InterviewOutcome.satisfactory
    assert len(findings) == 7
    assert interview_outcome(findings | {"E8": N}, must_pass) == InterviewOutcome.unsatisfactory
    assert interview_outcome(findings | {"E10": N}, must_pass) == InterviewOutcome.satisfactory
