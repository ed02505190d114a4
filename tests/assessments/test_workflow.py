"""The workflow's rules through the app: what each step allows, and bad input that changes
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from assessments import operations
from assessments.models import (
    Appeal,
    Application,
    ApplicationAnswer,
    ApplicationRound,
    Competition,
    Decision,
    DiscussionPost,
    Interview,
    Review,
    ReviewRevision,
    ReviewScore,
)
from assessments.operations import save_answers
from assessments.states import Outcome
from certify.certificates.models import Certificate, CertificateSequence
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.errors import StaleRecord
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.users.models import User
from rubrics.io import import_rubric
from tests.support import SMALL_RUBRIC, application_form, login, review_form


def snapshot(in_app):
    """Everything the workflow writes, to compare before and after a refused request."""

    def read():
        return (
            [(a.state, a.version, a.eligibility_confirmed, a.submitted_at)
             for a in db.session.scalars(sa.select(Application).order_by(Application.id))],
            [(x.level, x.narrative) for x in db.session.scalars(
                sa.select(ApplicationAnswer).order_by(ApplicationAnswer.id))],
            [(r.state, r.version) for r in db.session.scalars(sa.select(Review).order_by(
                Review.id))],
            [(s.level, s.comment) for s in db.session.scalars(
                sa.select(ReviewScore).order_by(ReviewScore.id))],
            db.session.scalar(sa.select(sa.func.count(Decision.id))),
            db.session.scalar(sa.select(sa.func.count(Certificate.id))),
        )

    return in_app(read)


@pytest.fixture
def candidate_client(app, create_user):
    candidate = create_user("candidate")
    client = app.test_client()
    login(client, candidate)
    client.person = candidate
    return client


# Starting an application ----------------------------------------------------------------------


def test_one_application_per_candidate_per_competition(candidate_client, create_competition,
                                                       in_app):
    competition_id = create_competition()
    assert candidate_client.post(f"/competitions/{competition_id}/apply").status_code == 302
    again = candidate_client.post(f"/competitions/{competition_id}/apply",
                                  follow_redirects=True)
    assert "already have an application" in again.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Application.id)))) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"opens_in_days": 5}, "does not accept applications now"),
        ({"closes_in_days": -1, "opens_in_days": -20}, "does not accept applications now"),
        ({"state": "draft"}, None),
        ({"state": "closed"}, "does not accept applications now"),
        ({"branches": ("RU",)}, "not open to your branch"),
    ],
)
def test_applications_only_while_open_and_in_scope(candidate_client, create_competition,
                                                   in_app, kwargs, message):
    competition_id = create_competition(**kwargs)
    response = candidate_client.post(f"/competitions/{competition_id}/apply",
                                     follow_redirects=True)
    if message:
        assert message in response.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Application.id)))) == 0


def test_draft_competition_is_hidden_from_the_public(client, create_competition):
    competition_id = create_competition(state="draft")
    assert client.get(f"/competitions/{competition_id}").status_code == 404
    assert "Test call" not in client.get("/competitions/").get_data(as_text=True)


# Self-assessment --------------------------------------------------------------------------------


@pytest.fixture
def started(candidate_client, create_competition, workflow):
    competition_id = create_competition()
    return workflow.start(competition_id, candidate_client.person)


@pytest.mark.parametrize(
    ("levels", "narratives", "message"),
    [
        ([9, 2, 2], ["a", "b", "c"], "Not a valid choice"),
        (["x", 2, 2], ["a", "b", "c"], "Invalid Choice: could not coerce"),
        ([-1, 2, 2], ["a", "b", "c"], "Not a valid choice"),
        ([2, 2, 2], ["a" * 5001, "b", "c"], "Field cannot be longer than 5000 characters"),
    ],
)
def test_bad_self_assessment_rerenders_and_writes_nothing(candidate_client, started, in_app,
                                                          levels, narratives, message):
    before = snapshot(in_app)
    response = candidate_client.post(f"/applications/{started}",
                                     data=application_form(levels, narratives, version=1))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot(in_app) == before


def test_incomplete_application_cannot_be_submitted(candidate_client, started, in_app):
    response = candidate_client.post(f"/applications/{started}", data=application_form(
        [2, None, 2], ["a", "b", " "], version=1, confirm=False, action="submit"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for expected in ("Confirm that you meet the eligibility requirements.",
                     "C2: choose a level.", "C3: write a narrative."):
        assert expected in body
    assert in_app(lambda: db.session.get(Application, started).state) == "draft"
    # The draft part of the same post was not saved either: all or nothing.
    assert in_app(lambda: db.session.get(Application, started).answers[0].level) is None


def test_stale_tab_gets_a_conflict_not_a_silent_overwrite(candidate_client, started, in_app):
    first = candidate_client.post(f"/applications/{started}", data=application_form(
        [2, 2, 2], ["first tab", "b", "c"], version=1))
    assert first.status_code == 302
    second = candidate_client.post(f"/applications/{started}", data=application_form(
        [0, 0, 0], ["second tab", "b", "c"], version=1))
    assert second.status_code == 422
    assert "changed elsewhere" in second.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Application, started).answers[0].narrative) == (
        "first tab")


def test_a_change_committed_meanwhile_is_reported_not_overwritten(started, in_app):
    """Another request saved the application between this one's read and its write."""

    def save_over_a_newer_row():
        application = db.session.get(Application, started)
        db.session.execute(sa.text("UPDATE applications SET version = version + 1 WHERE id = :id"),
                           {"id": started})
        with pytest.raises(StaleRecord, match="This application was changed elsewhere"):
            save_answers(application, {}, eligibility_confirmed=True, expected_version=None)
        db.session.rollback()

    in_app(save_over_a_newer_row)


def test_extra_answer_rows_and_fields_are_ignored(candidate_client, started, in_app):
    data = application_form([1, 1, 1], ["a", "b", "c"], version=1)
    data |= {"answers-3-level": "4", "answers-3-narrative": "smuggled", "state": "decided",
             "candidate_id": "999", "submitted_at": "2020-01-01"}
    assert candidate_client.post(f"/applications/{started}", data=data).status_code == 302

    def read():
        application = db.session.get(Application, started)
        return application.state, application.candidate_id, len(application.answers)

    state, candidate_id, answers = in_app(read)
    assert (state, answers) == ("draft", 3)
    assert candidate_id == candidate_client.person.id


def test_no_submission_after_the_closing_date(candidate_client, started, in_app):
    def close():
        competition = db.session.get(Application, started).competition
        competition.closes_at = utcnow() - timedelta(minutes=1)
        assert isinstance(competition, Competition)

    in_app(close)
    response = candidate_client.post(f"/applications/{started}", data=application_form(
        [2, 2, 2], ["a", "b", "c"], version=1, action="submit"))
    assert response.status_code == 422
    assert "competition is closed" in response.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Application, started).state) == "draft"


def test_withdraw_until_review_starts(candidate_client, started, in_app):
    response = candidate_client.post(f"/applications/{started}/withdraw", follow_redirects=True)
    assert "withdrawn" in response.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Application, started).state) == "withdrawn"


# Assignment, review and decision ----------------------------------------------------------------


def test_assignment_refuses_the_candidate_and_duplicates(app, under_review, in_app, create_user):
    admin = app.test_client()
    login(admin, under_review["admin"])
    create_user("reviewer")  # still available, so the form is offered
    url = f"/manage/applications/{under_review['application']}/assign"
    before = snapshot(in_app)
    for reviewer_id, message in (
        (under_review["candidate"].id, "Not a valid choice"),
        (under_review["reviewers"][0].id, "Not a valid choice"),
        (99999, "Not a valid choice"),
        ("abc", "Invalid Choice: could not coerce"),
    ):
        response = admin.post(url, data={"reviewer": reviewer_id})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    not_a_reviewer = create_user("candidate")
    assert admin.post(url, data={"reviewer": not_a_reviewer.id}).status_code == 422
    assert snapshot(in_app) == before


def test_review_comment_rules_and_levels(app, under_review, in_app):
    reviewer = app.test_client()
    login(reviewer, under_review["reviewers"][0])
    url = f"/reviews/{under_review['reviews'][0]}"
    before = snapshot(in_app)
    missing_comments = reviewer.post(url, data=review_form(
        [1, 4, 2], ["", "", ""], version=1, action="submit"))
    assert missing_comments.status_code == 422
    body = missing_comments.get_data(as_text=True)
    assert "C1: a comment is required for this level." in body
    assert "C2: a comment is required for this level." in body
    assert "C3: a comment" not in body
    out_of_range = reviewer.post(url, data=review_form([7, 2, 2], ["", "", ""], version=1))
    assert out_of_range.status_code == 422
    assert snapshot(in_app) == before
    fine = reviewer.post(url, data=review_form([1, 4, 2], ["thin", "outstanding", ""], version=1,
                                               action="submit"))
    assert fine.status_code == 302
    assert reviewer.post(url, data=review_form([2, 2, 2], ["", "", ""], version=2)
                         ).status_code == 403  # submitted reviews are read-only


def test_reviewer_sees_other_reviews_only_after_submitting(app, under_review, workflow):
    workflow.review(under_review["reviews"][1], levels=(2, 2, 2))
    reviewer = app.test_client()
    login(reviewer, under_review["reviewers"][0])
    url = f"/reviews/{under_review['reviews'][0]}"
    assert "On C1" not in reviewer.get(url).get_data(as_text=True)
    reviewer.post(url, data=review_form([3, 3, 3], ["", "", ""], version=1, action="submit"))
    assert "On C1" in reviewer.get(url).get_data(as_text=True)


def test_decision_needs_enough_reviews_and_a_reason(app, under_review, workflow, in_app):
    admin = app.test_client()
    login(admin, under_review["admin"])
    url = f"/manage/applications/{under_review['application']}/decide"
    before = snapshot(in_app)
    too_early = admin.post(url, data={"confirm": "y",
                                      "outcome": "award", "reason": "Looks good to me."})
    assert too_early.status_code == 422
    assert "at least 2 submitted reviews" in too_early.get_data(as_text=True)
    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    before = snapshot(in_app)
    for data, message in (
        ({"confirm": "y", "outcome": "award", "reason": "   "}, "This field is required"),
        ({"confirm": "y",
          "outcome": "award", "reason": "short"}, "between 10 and 5000 characters"),
        ({"confirm": "y",
          "outcome": "maybe", "reason": "A long enough reason."}, "Not a valid choice"),
        ({"reason": "A long enough reason."}, "Choose a decision."),
    ):
        response = admin.post(url, data=data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert snapshot(in_app) == before


def test_refusal_issues_no_certificate_and_double_decision_is_refused(app, under_review,
                                                                      workflow, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(1, 1, 1))
    admin = app.test_client()
    login(admin, under_review["admin"])
    url = f"/manage/applications/{under_review['application']}/decide"
    assert admin.post(url, data={"confirm": "y",
                                 "outcome": "refuse", "reason": "Below the threshold."}
                      ).status_code == 302
    again = admin.post(url, data={"confirm": "y", "outcome": "award", "reason": "Changed my mind."})
    assert again.status_code == 422
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 0

    def decision():
        d = db.session.scalar(sa.select(Decision))
        return d.outcome, round(d.score, 2), d.recommended

    assert in_app(decision) == ("refuse", 25.0, False)


def test_panel_page_shows_the_engine_recommendation(app, under_review, workflow):
    workflow.review(under_review["reviews"][0], levels=(1, 4, 4))
    workflow.review(under_review["reviews"][1], levels=(3, 4, 4))
    admin = app.test_client()
    login(admin, under_review["admin"])
    body = admin.get(f"/manage/applications/{under_review['application']}").get_data(
        as_text=True)
    # C1 (gate 2) was rated 1 by one reviewer: the mean of 2 does not rescue it.
    assert "Must-pass criteria:" in body and "not met" in body
    assert "Reviewers disagree by two levels or more" in body
    assert "do not award" in body


def test_incomplete_file_is_returned_not_refused(app, create_user, create_competition, workflow,
                                                 in_app):
    admin = create_user("admin")
    candidate = create_user("candidate")
    application_id = workflow.submitted(create_competition(), candidate)
    staff = app.test_client()
    login(staff, admin)
    short = staff.post(f"/manage/applications/{application_id}/return", data={"message": "x"})
    assert short.status_code == 422
    assert in_app(lambda: db.session.get(Application, application_id).state) == "submitted"
    staff.post(f"/manage/applications/{application_id}/return",
               data={"message": "Attach your doctoral diploma to C1, please."})
    assert in_app(lambda: db.session.get(Application, application_id).state) == "draft"

    own = app.test_client()
    login(own, candidate)
    page = own.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "Your application was returned to you" in page
    assert "Attach your doctoral diploma to C1, please." in page
    version = in_app(lambda: db.session.get(Application, application_id).version)
    again = own.post(f"/applications/{application_id}", data=application_form(
        [3, 3, 3], ["a", "b", "c"], version=version, action="submit"))
    assert again.status_code == 302
    assert in_app(lambda: db.session.get(Application, application_id).state) == "submitted"


def test_no_return_once_review_started(app, create_user, create_competition, workflow, in_app):
    admin = create_user("admin")
    application_id = workflow.submitted(create_competition(), create_user("candidate"))
    workflow.assign(application_id, create_user("reviewer"), admin)
    staff = app.test_client()
    login(staff, admin)
    response = staff.post(f"/manage/applications/{application_id}/return",
                          data={"message": "Too late for this, surely."})
    assert response.status_code == 422
    assert in_app(lambda: db.session.get(Application, application_id).state) == "under_review"


def test_discussion_and_revision_keep_the_earlier_review(app, under_review, workflow, in_app):
    first, second = under_review["reviews"]
    workflow.review(first, levels=(0, 3, 3))
    reviewer = app.test_client()
    login(reviewer, under_review["reviewers"][0])
    waiting = app.test_client()
    login(waiting, under_review["reviewers"][1])
    # The second reviewer has not submitted: the thread is closed to them.
    assert waiting.post(f"/applications/{under_review['application']}/discussion",
                        data={"body": "Hello"}).status_code == 403

    admin = app.test_client()
    login(admin, under_review["admin"])
    admin.post(f"/applications/{under_review['application']}/discussion",
               data={"body": "C1 was rated 0: please look at the diploma again."})
    page = reviewer.get(f"/reviews/{first}").get_data(as_text=True)
    assert "please look at the diploma again" in page

    assert reviewer.post(f"/reviews/{first}/reopen").status_code == 302

    reviewer.post(f"/reviews/{first}", data=review_form(
        [2, 3, 3], ["Diploma found in the annex.", "", ""], version=3, action="submit"))

    def load():
        review = db.session.get(Review, first)
        revision = db.session.scalar(sa.select(ReviewRevision))
        return (review.state, [s.level for s in sorted(review.scores,
                                                       key=lambda s: s.criterion.position)],
                [item["level"] for item in revision.scores],
                db.session.scalar(sa.select(sa.func.count(DiscussionPost.id))))

    assert in_app(load) == ("submitted", [2, 3, 3], [0, 3, 3], 1)
    assert "Earlier versions of this review: 1" in reviewer.get(f"/reviews/{first}").get_data(
        as_text=True)


def test_assignment_and_decision_are_notified_once(app, under_review, workflow, runner, in_app):
    def kinds():
        return sorted(db.session.scalars(sa.select(Notification.kind)))

    assert in_app(kinds) == ["review-assigned", "review-assigned", "submission-receipt"]

    def deadline_soon():
        competition = db.session.get(Application, under_review["application"]).competition
        competition.review_deadline = utcnow() + timedelta(days=3)

    in_app(deadline_soon)
    assert "Queued 2 reminders." in runner.invoke(args=["notify-reviewers"]).output
    assert "Queued 0 reminders." in runner.invoke(args=["notify-reviewers"]).output
    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    workflow.decide(under_review["application"], under_review["admin"], "refuse")
    assert in_app(kinds) == ["decision", "review-assigned", "review-assigned",
                             "review-reminder", "review-reminder", "submission-receipt"]

    def decision_message():
        return db.session.scalar(sa.select(Notification.body).where(
            Notification.kind == "decision"))

    body = in_app(decision_message)
    assert f"/applications/{under_review['application']}/result" in body


@pytest.fixture
def engineer_under_review(in_app, create_user, workflow):
    """An engineer-track application with two submitted reviews."""


    engineer = {**SMALL_RUBRIC, "code": "TEST-E", "track": "engineer"}
    version_id = in_app(lambda: import_rubric(engineer).id)

    def competition():
        item = Competition(title={"en": "Engineers"}, rubric_version_id=version_id,
                           state="open", opens_at=utcnow() - timedelta(days=1),
                           closes_at=utcnow() + timedelta(days=10))
        db.session.add(item)
        db.session.flush()
        return item.id

    competition_id = in_app(competition)  # before the staff, whom create_user signs it for
    admin = create_user("admin")
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
    return admin, application_id


def test_engineer_track_needs_an_interview_before_the_decision(app, engineer_under_review,
                                                               in_app):
    admin, application_id = engineer_under_review
    client = app.test_client()
    login(client, admin)
    decide = {"confirm": "y", "outcome": "award", "reason": "All criteria met at threshold."}
    early = client.post(f"/manage/applications/{application_id}/decide", data=decide)
    assert early.status_code == 422
    assert "Record the candidate&#39;s interview" in early.get_data(as_text=True)
    bad = client.post(f"/manage/applications/{application_id}/interview",
                      data={"held_on": "2026-11-20", "panel": "", "outcome": "maybe"})
    assert bad.status_code == 422
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Interview.id)))) == 0
    client.post(f"/manage/applications/{application_id}/interview", data={
        "held_on": "2026-11-20", "panel": "E. Morozova, J. Whitfield",
        "outcome": "satisfactory", "notes": "Experience confirmed as described."})
    assert client.post(f"/manage/applications/{application_id}/decide",
                       data=decide).status_code == 302


def test_refusal_can_be_appealed_and_reopened(app, under_review, workflow, in_app,
                                               create_user):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(1, 1, 1))
    workflow.decide(under_review["application"], under_review["admin"], "refuse")
    candidate = app.test_client()
    login(candidate, under_review["candidate"])
    url = f"/applications/{under_review['application']}"
    assert "Grounds of your appeal" in candidate.get(url).get_data(as_text=True)
    short = candidate.post(f"{url}/appeal", data={"grounds": "Unfair."}, follow_redirects=True)
    assert 'class="flash error"' in short.get_data(as_text=True)
    candidate.post(f"{url}/appeal", data={"grounds": "My PhD supervision list was ignored."})
    twice = candidate.post(f"{url}/appeal", data={"grounds": "And once more, with feeling."},
                           follow_redirects=True)
    assert "can no longer be appealed" in twice.get_data(as_text=True)

    appeal_id = in_app(lambda: db.session.scalar(sa.select(Appeal.id)))
    decider = app.test_client()  # the appeal is heard by someone other than the decider
    login(decider, under_review["admin"])
    refused = decider.post(f"/manage/appeals/{appeal_id}", follow_redirects=True, data={
        "resolution": "reopen", "reason": "The list was indeed overlooked."})
    assert "someone other than the decision maker" in refused.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Appeal, appeal_id).state) == "open"
    admin = app.test_client()
    login(admin, create_user("admin"))
    admin.post(f"/manage/appeals/{appeal_id}", data={
        "resolution": "reopen", "reason": "The list was indeed overlooked."})

    def state():
        application = db.session.get(Application, under_review["application"])
        return application.state, application.decision, db.session.get(Appeal, appeal_id).state

    assert in_app(state) == ("under_review", None, "reopened")


def test_appeal_window_closes(app, under_review, workflow, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(1, 1, 1))
    workflow.decide(under_review["application"], under_review["admin"], "refuse")

    def age():
        decision = db.session.scalar(sa.select(Decision))
        decision.decided_at -= timedelta(days=31)

    in_app(age)
    candidate = app.test_client()
    login(candidate, under_review["candidate"])
    response = candidate.post(f"/applications/{under_review['application']}/appeal",
                              data={"grounds": "Too late, but I try anyway, politely."},
                              follow_redirects=True)
    assert "can no longer be appealed" in response.get_data(as_text=True)


def test_a_sampled_award_waits_for_a_second_check(app, under_review, workflow, create_user,
                                                  in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    in_app(lambda: operations.decide(
        db.session.get(Application, under_review["application"]), Outcome.award,
        "All criteria met at threshold.", by=db.session.get(User, under_review["admin"].id),
        second_check=True))
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 0
    candidate = app.test_client()
    login(candidate, under_review["candidate"])
    url = f"/applications/{under_review['application']}"
    assert "being checked" in candidate.get(url).get_data(as_text=True)
    assert candidate.get(f"{url}/result").status_code == 403

    same = app.test_client()
    login(same, under_review["admin"])
    refused = same.post(f"/manage/applications/{under_review['application']}/moderate",
                        data={"verdict": "confirm", "note": "Looks right to me."},
                        follow_redirects=True)
    assert "someone other than the decision maker" in refused.get_data(as_text=True)

    moderator = app.test_client()
    login(moderator, create_user("admin"))
    moderator.post(f"/manage/applications/{under_review['application']}/moderate",
                   data={"verdict": "confirm", "note": "Evidence checked again: sound."})
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 1
    assert candidate.get(f"{url}/result").status_code == 200


def test_moderator_can_send_an_award_back(app, under_review, workflow, create_user, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    in_app(lambda: operations.decide(
        db.session.get(Application, under_review["application"]), Outcome.award,
        "All criteria met at threshold.", by=db.session.get(User, under_review["admin"].id),
        second_check=True))
    moderator = app.test_client()
    login(moderator, create_user("admin"))
    moderator.post(f"/manage/applications/{under_review['application']}/moderate",
                   data={"verdict": "return", "note": "C1 evidence is a course list only."})

    def state():
        application = db.session.get(Application, under_review["application"])
        return application.state, application.decision

    assert in_app(state) == ("under_review", None)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id)))) == 0


def test_revise_and_resubmit_keeps_the_first_round(app, under_review, workflow, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(1, 2, 2))
    admin = app.test_client()
    login(admin, under_review["admin"])
    url = f"/manage/applications/{under_review['application']}/decide"
    assert admin.post(url, data={"confirm": "y", "outcome": "revise",
                                 "reason": "Short"}).status_code == 422
    assert admin.post(url, data={
        "confirm": "y",
"outcome": "revise", "reason": "Add evidence of your doctoral supervision for C1."},
    ).status_code == 302

    def state():
        application = db.session.get(Application, under_review["application"])
        round_ = db.session.scalar(sa.select(ApplicationRound))
        return (application.state, application.round, application.decision,
                round_.number, [r["scores"][0]["level"] for r in round_.snapshot["reviews"]],
                sorted(r.state for r in application.reviews))

    assert in_app(state) == ("draft", 2, None, 1, [1, 1], ["draft", "draft"])

    # The competition closes meanwhile: a revision may still be submitted before its deadline.
    def close():
        competition = db.session.get(Application, under_review["application"]).competition
        competition.closes_at = competition.opens_at + timedelta(seconds=1)

    in_app(close)
    candidate = app.test_client()
    login(candidate, under_review["candidate"])
    page = candidate.get(f"/applications/{under_review['application']}").get_data(as_text=True)
    assert "Please revise and resubmit by" in page and "doctoral supervision" in page
    version = in_app(lambda: db.session.get(Application, under_review["application"]).version)
    resubmitted = candidate.post(f"/applications/{under_review['application']}",
                                 data=application_form([3, 3, 3], ["a", "b", "c"],
                                                       version=version, action="submit"))
    assert resubmitted.status_code == 302
    assert in_app(lambda: db.session.get(Application, under_review["application"]).state) == (
        "under_review")  # straight back to the same reviewers
    reviewer = app.test_client()
    login(reviewer, under_review["reviewers"][0])
    review_id = under_review["reviews"][0]
    page = reviewer.get(f"/reviews/{review_id}").get_data(as_text=True)
    assert "Submit review" in page
    version = in_app(lambda: db.session.get(Review, review_id).version)
    assert reviewer.post(f"/reviews/{review_id}", data=review_form(
        [3, 3, 3], ["", "", ""], version=version, action="submit")).status_code == 302


def test_stale_review_tab_gets_a_conflict(app, under_review, in_app):
    reviewer = app.test_client()
    login(reviewer, under_review["reviewers"][0])
    url = f"/reviews/{under_review['reviews'][0]}"
    first = reviewer.post(url, data=review_form([2, 2, 2], ["first tab", "", ""], version=1))
    assert first.status_code == 302
    second = reviewer.post(url, data=review_form([3, 3, 3], ["second tab", "", ""], version=1))
    assert second.status_code == 422
    assert "changed elsewhere" in second.get_data(as_text=True)
    comments = in_app(lambda: sorted(s.comment for s in db.session.get(
        Review, under_review["reviews"][0]).scores))
    assert "first tab" in comments and "second tab" not in comments


def test_a_failure_after_the_certificate_insert_leaves_nothing_behind(app, under_review,
                                                                     workflow, in_app):
    """Crash safety: award, certificate, number, status index and audit are one transaction.

    The fault is injected at the database boundary: the first audit write after the
    certificate's INSERT fails, as a lost connection or full disk would make it.
    """

    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    admin = app.test_client()
    login(admin, under_review["admin"])

    def everything():
        return snapshot(in_app), in_app(lambda: (
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
            [(s.prefix, s.branch_code, s.year, s.last_value) for s in db.session.scalars(
                sa.select(CertificateSequence))],
            db.session.scalar(sa.select(sa.func.count(Notification.id))),
        ))

    before = everything()
    with app.app_context():
        engine = db.engine
    inserted_certificate = []

    def fail_after_certificate(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO certificates"):
            inserted_certificate.append(True)
        elif inserted_certificate and statement.startswith("INSERT INTO audit_events"):
            raise RuntimeError("injected failure: the database went away")

    url = f"/manage/applications/{under_review['application']}/decide"
    decision = {"confirm": "y", "outcome": "award", "reason": "Clearly above the threshold."}
    sa.event.listen(engine, "before_cursor_execute", fail_after_certificate)
    try:
        failed = admin.post(url, data=decision)
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail_after_certificate)
    assert failed.status_code == 500  # the translated error page, after a rollback
    assert inserted_certificate, "the fault must strike after the certificate's INSERT"
    assert everything() == before

    # The number the failed attempt drew was never used: the next award gets it, no gap.
    assert admin.post(url, data=decision).status_code == 302
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    assert number.endswith("-000001")
