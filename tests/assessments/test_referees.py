"""Referees who vouch for specific claims (issue 19; docs/referees.md): named by the candidate,
asked by a mailed single-use link on submission, answered once; the file goes to review only
once they answered; a referee never reviews or decides the file; reviewers and staff read
the answers beside each criterion; reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assessments import operations
from assessments.models import Application
from assessments.referees.models import Referee, RefereeClaim
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User
from certify.web.config import Config
from tests.support import login, mailed_link

REFEREE = "referee@mine.example.org"


@pytest.fixture
def referee_rules(app, monkeypatch):
    """One referee for the professor track, who has seen the candidate teach."""
    monkeypatch.setitem(app.config, "REFEREE_REQUIREMENTS",
                        {"professor": {"count": 1, "capacities": ["observed_teaching"]}})


@pytest.fixture
def drafted(app, create_user, create_competition, workflow, in_app, referee_rules):
    """A filled draft and its candidate's logged-in client; the criteria's ids."""
    candidate = create_user("candidate", full_name="Aida Seitkali")
    application_id = workflow.start(create_competition(), candidate)
    workflow.fill(application_id)
    client = app.test_client()
    login(client, candidate)
    criteria = in_app(lambda: [c.id for c in db.session.get(
        Application, application_id).competition.rubric_version.criteria])
    return {"candidate": candidate, "client": client, "id": application_id,
            "criteria": criteria}


def referee_form(ids, email=REFEREE, **changes):
    data = {"name": "Marat Bekov", "email": email, "organisation": "Karaganda TU",
            "relationship": "Head of department", "observed_teaching": "y",
            "criteria": [str(c) for c in ids]}
    return data | changes


def name(drafted, **changes):
    ids = changes.pop("criteria", drafted["criteria"][:2])
    return drafted["client"].post(f"/applications/{drafted['id']}/referees",
                                  data=referee_form(ids, **changes))


def rows(in_app):
    return in_app(lambda: [(r.email, r.state.value, r.statement, r.token_hash)
                           for r in db.session.scalars(sa.select(Referee).order_by(Referee.id))])


def verdicts(in_app):
    return in_app(lambda: sorted(
        (c.criterion.code, c.verdict.value if c.verdict else None)
        for c in db.session.scalars(sa.select(RefereeClaim))))


def answer_form(criteria, statement="I observed her lectures for three years.",
                first="confirmed", second="disputed"):
    data = {"statement": statement}
    if first:
        data[f"verdict-{criteria[0]}"] = first
    if second:
        data[f"verdict-{criteria[1]}"] = second
    return data


def test_the_referee_answers_once_through_the_mailed_link(
        app, drafted, workflow, in_app, runner, smtp_server):
    # Without a referee who has seen the candidate teach, the file cannot be submitted.
    with pytest.raises(DomainError) as refused:
        workflow.submit(drafted["id"], drafted["candidate"])
    assert "Name at least 1 referees (0 named so far)." in refused.value.problems
    assert name(drafted, observed_teaching="").status_code == 302
    with pytest.raises(DomainError) as refused:
        workflow.submit(drafted["id"], drafted["candidate"])
    assert refused.value.problems == [
        "At least one referee must be able to say: has observed the candidate teaching."]
    referee_id = in_app(lambda: db.session.scalar(sa.select(Referee.id)))
    changed = drafted["client"].post(
        f"/applications/{drafted['id']}/referees/{referee_id}",
        data=referee_form(drafted["criteria"][:2]))
    assert changed.status_code == 302
    assert rows(in_app)[0][1:] == ("named", None, None)  # not asked before submission

    workflow.submit(drafted["id"], drafted["candidate"])
    assert "Sent" in runner.invoke(args=["send-outbox"]).output
    [message] = [m for m in smtp_server if m["To"] == REFEREE]
    assert message["Subject"] == "Aida Seitkali asks you to vouch for their application"
    link = re.search(r"https?://[^/\s]+(/referee/\S+)", message.get_content()).group(1)
    assert rows(in_app)[0][3] != link.rsplit("/", 1)[1]  # only the token's hash is stored

    visitor = app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    assert "Vouch for Aida Seitkali" in page and "About C1" in page and "About C2" in page
    assert "About C3" not in page  # only the criteria linked to this referee

    # Bad input: a claim left unanswered and no statement; the form again, nothing written.
    incomplete = visitor.post(link, data=answer_form(drafted["criteria"], statement="",
                                                     second=None))
    assert incomplete.status_code == 422
    assert "Confirm or dispute this claim." in incomplete.get_data(as_text=True)
    assert rows(in_app)[0][1] == "asked"

    done = visitor.post(link, data=answer_form(drafted["criteria"]))
    assert done.status_code == 302
    assert rows(in_app)[0][1:3] == ("answered", "I observed her lectures for three years.")
    assert verdicts(in_app) == [("C1", "confirmed"), ("C2", "disputed")]

    # Used: a clear page, and a second answer changes nothing.
    again = visitor.get(link)
    assert again.status_code == 410 and "This link has been used" in again.get_data(as_text=True)
    second = app.test_client().post(link, data=answer_form(drafted["criteria"], first="disputed",
                                                           statement="Changed my mind."))
    assert second.status_code == 410
    assert rows(in_app)[0][2] == "I observed her lectures for three years."
    assert verdicts(in_app) == [("C1", "confirmed"), ("C2", "disputed")]


def test_an_expired_or_wrong_link_changes_nothing(app, drafted, workflow, in_app):
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    link = mailed_link(in_app, REFEREE, "referee")
    visitor = app.test_client()
    wrong = visitor.get(link[:-3] + "xyz")
    assert wrong.status_code == 404 and "This link is not valid" in wrong.get_data(as_text=True)
    assert visitor.get("/referee/not-a-token").status_code == 404

    def expire():
        referee = db.session.scalar(sa.select(Referee))
        referee.link_sent_at = utcnow() - timedelta(days=30)
        referee.expires_at = utcnow() - timedelta(days=1)
    in_app(expire)
    late = visitor.post(link, data=answer_form(drafted["criteria"]))
    assert late.status_code == 410 and "This link has expired" in late.get_data(as_text=True)
    assert rows(in_app)[0][1:3] == ("asked", None)

    # The candidate sends a new link: the old one stops working, the new one works.
    referee_id = in_app(lambda: db.session.scalar(sa.select(Referee.id)))
    page = drafted["client"].get(f"/applications/{drafted['id']}/referees")
    assert "Link expired" in page.get_data(as_text=True)
    resent = drafted["client"].post(
        f"/applications/{drafted['id']}/referees/{referee_id}/resend")
    assert resent.status_code == 302
    new_link = mailed_link(in_app, REFEREE, "referee")
    assert new_link != link and visitor.get(link).status_code == 404
    assert visitor.post(new_link, data=answer_form(drafted["criteria"])).status_code == 302


def test_the_candidate_replaces_an_unanswered_referee(app, drafted, workflow, in_app):
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    old_link = mailed_link(in_app, REFEREE, "referee")
    referee_id = in_app(lambda: db.session.scalar(sa.select(Referee.id)))
    url = f"/applications/{drafted['id']}/referees/{referee_id}"
    replaced = drafted["client"].post(url, data=referee_form(
        drafted["criteria"][2:], email="dean@mine.example.org", name="Saule Dean"))
    assert replaced.status_code == 302
    assert app.test_client().get(old_link).status_code == 404
    new_link = mailed_link(in_app, "dean@mine.example.org", "referee")
    page = app.test_client().get(new_link).get_data(as_text=True)
    # The claims stay those the candidate linked before submitting.
    assert "About C1" in page and "About C2" in page and "About C3" not in page
    # Removing an asked referee is refused: only a replacement.
    removed = drafted["client"].post(f"{url}/remove", follow_redirects=True)
    assert "A referee already asked cannot be removed" in removed.get_data(as_text=True)
    assert len(rows(in_app)) == 1


def test_naming_refuses_bad_input_and_the_candidate_themselves(drafted, in_app):
    no_criteria = name(drafted, criteria=[])
    assert no_criteria.status_code == 422
    assert "Choose the criteria this referee vouches for." in no_criteria.get_data(as_text=True)
    own = name(drafted, email=drafted["candidate"].email)
    assert own.status_code == 422
    assert "You cannot be your own referee." in own.get_data(as_text=True)
    bad_email = name(drafted, email="not-an-address", name="Kept Name")
    assert bad_email.status_code == 422 and "Kept Name" in bad_email.get_data(as_text=True)
    assert rows(in_app) == []
    assert name(drafted).status_code == 302
    twice = name(drafted)
    assert "You have named this referee already." in twice.get_data(as_text=True)
    assert len(rows(in_app)) == 1


def _answer(app, in_app, criteria, email=REFEREE):
    link = mailed_link(in_app, email, "referee")
    assert app.test_client().post(link, data=answer_form(criteria)).status_code == 302


def test_the_file_goes_to_review_only_once_the_referees_answered(
        app, drafted, workflow, in_app, create_user, admin_client):
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    admin = admin_client.person
    workflow.check(drafted["id"], admin)
    reviewer = create_user("reviewer")
    with pytest.raises(DomainError) as refused:
        workflow.assign(drafted["id"], reviewer, admin)
    assert refused.value.problems == [
        "The file cannot go to review before its referees have answered.",
        "0 of 1 referees have answered.",
        "No referee who answered can say: has observed the candidate teaching.",
        "Waiting for: Marat Bekov."]
    page = admin_client.get(f"/manage/applications/{drafted['id']}").get_data(as_text=True)
    assert "Not yet ready for review:" in page and "Waiting for: Marat Bekov." in page
    # Automatic assignment leaves the file out and says why.
    competition_id = in_app(lambda: db.session.get(Application, drafted["id"]).competition_id)
    auto = admin_client.post(f"/manage/competitions/{competition_id}/assign",
                             follow_redirects=True).get_data(as_text=True)
    assert "1 submitted applications were left out: their referees have not all" in auto
    assert in_app(lambda: db.session.get(Application, drafted["id"]).state.value) == "submitted"

    _answer(app, in_app, drafted["criteria"])
    workflow.assign(drafted["id"], reviewer, admin)
    assert in_app(lambda: db.session.get(Application, drafted["id"]).state.value) \
        == "under_review"


def test_a_referee_never_reviews_nor_decides_the_file(
        app, drafted, workflow, in_app, create_user, admin_client):
    referee_reviewer = create_user("reviewer", email=REFEREE)
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    _answer(app, in_app, drafted["criteria"])
    admin = admin_client.person
    workflow.check(drafted["id"], admin)
    with pytest.raises(DomainError) as refused:
        workflow.assign(drafted["id"], referee_reviewer, admin)
    assert refused.value.problems == [
        "This reviewer is a referee of the candidate: a conflict of interest."]
    # An administrator named as referee cannot act on the file at all.
    referee_admin = create_user("admin", email="dean@mine.example.org")
    in_app(lambda: db.session.add(Referee(
        application_id=drafted["id"], name="Saule Dean", email="dean@mine.example.org",
        organisation="KTU", relationship_text="Dean", language="en")))
    with pytest.raises(DomainError) as refused:
        workflow.assign(drafted["id"], create_user("reviewer"), referee_admin)
    assert "You are a referee of this candidate" in refused.value.problems[0]
    # A reviewer assigned first whose address later becomes a referee's is flagged to staff.
    in_app(lambda: db.session.execute(sa.delete(Referee).where(
        Referee.email == "dean@mine.example.org")))
    assigned = create_user("reviewer", full_name="Later Referee")
    workflow.assign(drafted["id"], assigned, admin)
    in_app(lambda: setattr(db.session.get(User, referee_reviewer.id), "email", "x@example.org"))
    in_app(lambda: setattr(db.session.get(User, assigned.id), "email", REFEREE))
    page = admin_client.get(f"/manage/applications/{drafted['id']}").get_data(as_text=True)
    assert ("Conflict of interest: Later Referee reviews this file and is one of its "
            "referees.") in page


def test_a_reviewer_of_the_file_cannot_be_named_on_a_revision(
        under_review, workflow, in_app, app, referee_rules):
    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    in_app(lambda: operations.request_revision(
        db.session.get(Application, under_review["application"]),
        "Revise the evidence of C2, please.", by=db.session.get(User, under_review["admin"].id)))
    client = app.test_client()
    login(client, under_review["candidate"])
    criteria = in_app(lambda: [c.id for c in db.session.get(
        Application, under_review["application"]).competition.rubric_version.criteria])
    named = client.post(f"/applications/{under_review['application']}/referees",
                        data=referee_form(criteria, email=under_review["reviewers"][0].email))
    assert named.status_code == 422
    assert "This person reviews or decides your application" in named.get_data(as_text=True)
    assert rows(in_app) == []


def test_reviewers_and_staff_read_the_answers_beside_each_criterion(
        app, drafted, workflow, in_app, create_user, admin_client):
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    _answer(app, in_app, drafted["criteria"])
    reviewer = create_user("reviewer")
    review_id = workflow.assign(drafted["id"], reviewer, admin_client.person)
    client = app.test_client()
    login(client, reviewer)
    page = client.get(f"/reviews/{review_id}").get_data(as_text=True)
    c1, c2 = page.index("C1. "), page.index("C2. ")
    assert page.index("Confirmed", c1) < c2 < page.index("Disputed", c2)
    assert "Marat Bekov, Karaganda TU" in page
    assert "I observed her lectures for three years." in page
    staff = admin_client.get(f"/manage/applications/{drafted['id']}").get_data(as_text=True)
    assert "Confirmed" in staff and "Disputed" in staff
    assert "I observed her lectures for three years." in staff
    # The candidate follows the state, not the referee's words.
    own = drafted["client"].get(f"/applications/{drafted['id']}/referees").get_data(as_text=True)
    assert "Answered" in own and "I observed her lectures" not in own


def test_reminders_go_once_per_period_with_a_new_link(app, drafted, workflow, in_app, runner):
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    first = mailed_link(in_app, REFEREE, "referee")
    assert "Queued 0 reminders." in runner.invoke(args=["referees", "remind"]).output

    def age():
        referee = db.session.scalar(sa.select(Referee))
        referee.link_sent_at -= timedelta(days=8)
    in_app(age)
    assert "Queued 1 reminders." in runner.invoke(args=["referees", "remind"]).output
    assert "Queued 0 reminders." in runner.invoke(args=["referees", "remind"]).output
    reminder = mailed_link(in_app, REFEREE, "referee-reminder")
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(reminder).status_code == 200


def test_a_withdrawn_application_needs_no_answer(app, drafted, workflow, in_app, runner):
    name(drafted)
    workflow.submit(drafted["id"], drafted["candidate"])
    link = mailed_link(in_app, REFEREE, "referee")
    assert drafted["client"].post(f"/applications/{drafted['id']}/withdraw",
                                  data={"confirm": "y"}).status_code == 302
    assert in_app(lambda: db.session.get(Application, drafted["id"]).state.value) == "withdrawn"
    gone = app.test_client().post(link, data=answer_form(drafted["criteria"]))
    assert gone.status_code == 410 and "withdrawn" in gone.get_data(as_text=True)
    assert rows(in_app)[0][1] == "asked"

    def age():
        db.session.scalar(sa.select(Referee)).link_sent_at -= timedelta(days=8)
    in_app(age)
    assert "Queued 0 reminders." in runner.invoke(args=["referees", "remind"]).output


def test_the_demo_meets_the_default_requirements(app, runner, in_app, monkeypatch):
    """With the production defaults (two referees per track, one who saw the candidate teach
    or supervised their engineering), the demo's files still reach review: their referees
    answered; the file waiting for review waits for its referees too."""
    monkeypatch.setitem(app.config, "REFEREE_REQUIREMENTS", Config.REFEREE_REQUIREMENTS)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    states = in_app(lambda: {(a.state.value, r.state.value) for a, r in db.session.execute(
        sa.select(Application, Referee).join(Referee, Referee.application_id == Application.id))})
    assert ("submitted", "asked") in states and ("decided", "answered") in states
    assert not {s for s in states if s[0] in ("under_review", "decided") and s[1] != "answered"}
