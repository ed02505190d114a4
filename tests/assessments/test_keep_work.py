"""Forms that never lose work (issue 16): an evidence button of the application form saves
the draft as typed first; the background save answers JSON and keeps the version check; and
irreversible steps need their box ticked."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from assessments.models import Application, Evidence, Review
from certify.core.extensions import db
from tests.support import application_form, login, review_form

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def draft(app, create_user, create_competition, workflow):
    candidate = create_user("candidate")
    application_id = workflow.start(create_competition(), candidate)
    client = app.test_client()
    login(client, candidate)
    client.application_id = application_id
    return client


def stored(in_app, application_id):
    def read():
        application = db.session.get(Application, application_id)
        return ([(a.level, a.narrative) for a in application.answers],
                [(e.criterion.code, e.title) for e in application.evidence],
                application.version, str(application.state))
    return in_app(read)


def test_adding_evidence_keeps_the_level_and_narrative_typed(draft, in_app):
    data = application_form([2, None, None], ["What I did on C1, typed just now.", "", ""],
                            version=1)
    del data["save"]
    data.update({"add_evidence": "1", "evidence-1-file": (io.BytesIO(PDF), "plan.pdf"),
                 "evidence-1-title": "Mine plan"})
    response = draft.post(f"/applications/{draft.application_id}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#criterion-C2")
    answers, evidence, version, state = stored(in_app, draft.application_id)
    assert answers[0] == (2, "What I did on C1, typed just now.")
    assert evidence == [("C2", "Mine plan")]
    assert state == "draft" and version == 2
    page = draft.get(f"/applications/{draft.application_id}").get_data(as_text=True)
    assert "What I did on C1, typed just now." in page


def test_adding_a_link_and_removing_evidence_keep_what_was_typed(draft, in_app):
    data = application_form([None, None, None], ["first words", "", ""], version=1)
    del data["save"]
    data.update({"add_evidence": "2", "evidence-2-url": "https://example.org/paper",
                 "evidence-2-title": "Paper"})
    assert draft.post(f"/applications/{draft.application_id}", data=data).status_code == 302
    evidence_id = in_app(lambda: db.session.scalar(sa.select(Evidence.id)))
    data = application_form([1, None, None], ["first words, then more", "", ""], version=2)
    del data["save"]
    data["remove_evidence"] = str(evidence_id)
    assert draft.post(f"/applications/{draft.application_id}", data=data).status_code == 302
    answers, evidence, _version, _state = stored(in_app, draft.application_id)
    assert answers[0] == (1, "first words, then more") and evidence == []


def test_a_refused_upload_rerenders_with_what_was_typed_and_saves_nothing(draft, in_app):
    before = stored(in_app, draft.application_id)
    data = application_form([2, None, None], ["Typed before a bad file.", "", ""], version=1)
    del data["save"]
    data.update({"add_evidence": "0",
                 "evidence-0-file": (io.BytesIO(b"MZ\x90\x00" + b"\0" * 60), "cv.pdf")})
    response = draft.post(f"/applications/{draft.application_id}", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Typed before a bad file." in body and "C1: " in body
    assert stored(in_app, draft.application_id) == before


def test_an_evidence_button_from_a_stale_tab_overwrites_nothing(draft, in_app):
    first = application_form([2, 2, 2], ["first tab", "b", "c"], version=1)
    assert draft.post(f"/applications/{draft.application_id}", data=first).status_code == 302
    stale = application_form([0, 0, 0], ["second tab", "b", "c"], version=1)
    del stale["save"]
    stale.update({"add_evidence": "0", "evidence-0-url": "https://example.org/x"})
    response = draft.post(f"/applications/{draft.application_id}", data=stale)
    assert response.status_code == 422 and "second tab" in response.get_data(as_text=True)
    answers, evidence, _version, _state = stored(in_app, draft.application_id)
    assert answers[0] == (2, "first tab") and evidence == []


def test_the_background_save_answers_json_with_the_new_version(draft, in_app):
    data = application_form([1, None, None], ["autosaved words", "", ""], version=1)
    del data["save"]
    data["autosave"] = "1"
    response = draft.post(f"/applications/{draft.application_id}", data=data)
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "version": 2}
    assert stored(in_app, draft.application_id)[0][0] == (1, "autosaved words")
    # Posted again from a tab that still holds version 1: refused, nothing overwritten.
    data["answers-0-narrative"] = "from a stale tab"
    stale = draft.post(f"/applications/{draft.application_id}", data=data)
    assert stale.status_code == 409 and stale.get_json()["saved"] is False
    assert stored(in_app, draft.application_id)[0][0] == (1, "autosaved words")
    # No message is left over for the next page.
    assert "changed elsewhere" not in draft.get(
        f"/applications/{draft.application_id}").get_data(as_text=True)


def test_the_form_lists_each_criterion_with_its_state(draft):
    data = application_form([2, None, None], ["done", "", ""], version=1)
    draft.post(f"/applications/{draft.application_id}", data=data)
    body = draft.get(f"/applications/{draft.application_id}").get_data(as_text=True)
    assert 'href="#criterion-C1"' in body and 'id="criterion-C3"' in body
    assert body.count('class="criterion-state"') == 3
    assert ('data-criterion="0">filled<' in body and 'data-criterion="1">empty<' in body)
    assert 'src="/static/app.js"' in body or "/static/app.js" in body
    assert "data-guard" in body and "data-autosave" in body


# Confirmation before an irreversible step ----------------------------------------------------


def test_submitting_an_application_without_the_box_does_nothing(draft, workflow, in_app):
    workflow.fill(draft.application_id)
    before = stored(in_app, draft.application_id)
    data = application_form([3, 3, 3], ["About C1", "About C2", "About C3"],
                            version=before[2], action="submit", confirm_submit=False)
    response = draft.post(f"/applications/{draft.application_id}", data=data)
    assert response.status_code == 422
    assert "Tick the box to confirm the submission." in response.get_data(as_text=True)
    assert stored(in_app, draft.application_id) == before
    data["confirm_submit"] = "y"
    assert draft.post(f"/applications/{draft.application_id}", data=data).status_code == 302
    assert stored(in_app, draft.application_id)[3] == "submitted"


def test_submitting_a_review_without_the_box_does_nothing(app, under_review, in_app):
    client = app.test_client()
    login(client, under_review["reviewers"][0])
    review_id = under_review["reviews"][0]
    data = review_form([3, 3, 3], ["a", "b", "c"], version=1, action="submit",
                       confirm_submit=False)
    response = client.post(f"/reviews/{review_id}", data=data)
    assert response.status_code == 422
    assert "Tick the box to confirm the submission." in response.get_data(as_text=True)
    assert in_app(lambda: (str(db.session.get(Review, review_id).state),
                           db.session.get(Review, review_id).version)) == ("draft", 1)
    data["confirm_submit"] = "y"
    assert client.post(f"/reviews/{review_id}", data=data).status_code == 302
    assert in_app(lambda: str(db.session.get(Review, review_id).state)) == "submitted"


def test_a_decision_without_the_box_records_nothing(app, under_review, workflow, in_app):
    from assessments.models import Decision

    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    admin = app.test_client()
    login(admin, under_review["admin"])
    url = f"/manage/applications/{under_review['application']}/decide"
    response = admin.post(url, data={"outcome": "award", "reason": "Strong on every criterion."})
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Decision.id)))) == 0


@pytest.mark.parametrize("action", ["suspend", "revoke"])
def test_a_status_change_without_the_box_changes_nothing(app, award, in_app, action):
    from certify.certificates.models import Certificate

    award()
    admin = app.test_client()
    login(admin, award.admin)
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    response = admin.post(f"/certificates/{certificate_id}/{action}",
                          data={"reason": "Evidence found to be forged."}, follow_redirects=True)
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert in_app(lambda: (db.session.get(Certificate, certificate_id).revoked_at,
                           db.session.get(Certificate, certificate_id).suspended_at)) == (None,
                                                                                          None)
    page = admin.get(f"/certificates/{certificate_id}").get_data(as_text=True)
    # One reason box for the status buttons; the history in words, not audit codes.
    assert page.count("Reason (shown on the public verification page)") == 1
    assert "certificate.issue" not in page and "Issued" in page


@pytest.mark.parametrize("step", ["publish", "retire"])
def test_publishing_or_retiring_a_rubric_without_the_box_does_nothing(admin_client, in_app,
                                                                      rubric_version, step):
    from rubrics.models import RubricVersion

    before = in_app(lambda: str(db.session.get(RubricVersion, rubric_version).state))
    response = admin_client.post(f"/rubrics/versions/{rubric_version}/{step}",
                                 follow_redirects=True)
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert in_app(lambda: str(db.session.get(RubricVersion, rubric_version).state)) == before


def test_the_review_draft_saves_in_the_background_too(app, under_review, in_app):
    client = app.test_client()
    login(client, under_review["reviewers"][0])
    review_id = under_review["reviews"][0]
    data = review_form([2, 2, 2], ["typed", "so", "far"], version=1)
    del data["save"]
    data["autosave"] = "1"
    response = client.post(f"/reviews/{review_id}", data=data)
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert in_app(lambda: str(db.session.get(Review, review_id).state)) == "draft"
    stale = client.post(f"/reviews/{review_id}", data=data)
    assert stale.status_code == 409
    bad = review_form([9, 2, 2], ["a", "b", "c"], version=response.get_json()["version"])
    del bad["save"]
    bad["autosave"] = "1"
    refused = client.post(f"/reviews/{review_id}", data=bad)
    assert refused.status_code == 422 and refused.get_json()["problems"]


def test_a_saved_draft_lists_its_answers_in_the_criteria_order_however_read(draft, in_app):
    """PostgreSQL writes an updated row after the others; a sequential read (the plan the
    planner picks on a small table) then gave C1's saved answer last."""
    data = application_form([2, None, None], ["C1 saved", "", ""], version=1)
    assert draft.post(f"/applications/{draft.application_id}", data=data).status_code == 302

    def read():
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
            db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        application = db.session.get(Application, draft.application_id)
        return [(a.criterion.code, a.narrative) for a in application.answers]
    assert in_app(read) == [("C1", "C1 saved"), ("C2", ""), ("C3", "")]
