"""Smaller defects of issue 16, each through the app: what the pages say and allow."""

from __future__ import annotations

import io

import sqlalchemy as sa

from assessments import evidence
from assessments.models import Application, Evidence, Review
from certify.core.extensions import db
from tests.support import login


def test_a_withdrawn_candidate_can_apply_again(app, create_user, create_competition, workflow,
                                               in_app):
    candidate = create_user("candidate")
    competition_id = create_competition()
    application_id = workflow.start(competition_id, candidate)
    client = app.test_client()
    login(client, candidate)
    client.post(f"/applications/{application_id}/withdraw")
    page = client.get(f"/competitions/{competition_id}").get_data(as_text=True)
    assert f"/competitions/{competition_id}/apply" in page
    again = client.post(f"/competitions/{competition_id}/apply")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/applications/{application_id}")
    assert in_app(lambda: str(db.session.get(Application, application_id).state)) == "draft"
    # Not twice while it is open.
    refused = client.post(f"/competitions/{competition_id}/apply", follow_redirects=True)
    assert "You already have an application in this competition." in refused.get_data(
        as_text=True)


def test_the_panel_page_shows_evidence_marks_and_no_shortfall_when_enough(app, under_review,
                                                                          workflow, in_app):
    def mark():
        application = db.session.get(Application, under_review["application"])
        item = db.session.scalar(sa.select(Evidence).where(
            Evidence.application_id == application.id))
        review = db.session.get(Review, under_review["reviews"][0])
        evidence.record_check(review, item, False, by=review.reviewer)
        return item.title

    title = in_app(mark)
    for review_id in under_review["reviews"]:
        workflow.review(review_id)
    admin = app.test_client()
    login(admin, under_review["admin"])
    page = admin.get(f"/manage/applications/{under_review['application']}").get_data(
        as_text=True)
    assert "At least 2 submitted reviews are needed." not in page
    assert f"{title}: ✗ not verified" in " ".join(page.split())


def test_auto_assign_says_why_nobody_was_assigned(app, create_user, create_competition,
                                                   workflow):
    admin = create_user("admin")
    create_user("reviewer")
    competition_id = create_competition()
    workflow.submitted(competition_id, create_user("candidate"))
    client = app.test_client()
    login(client, admin)
    page = client.post(f"/manage/competitions/{competition_id}/assign",
                       follow_redirects=True).get_data(as_text=True)
    assert "0 reviewers assigned." in page
    assert ("1 submitted applications were left out: their eligibility and completeness are "
            "not yet confirmed.") in page


def test_the_review_queue_lists_pending_reviews_first(app, create_user, create_competition,
                                                      workflow, in_app):
    admin, reviewer = create_user("admin"), create_user("reviewer")
    competition_id = create_competition()
    names = []
    for number in range(3):
        candidate = create_user("candidate", full_name=f"Candidate Number{number}")
        names.append(candidate.full_name)
        review_id = workflow.assign(workflow.submitted(competition_id, candidate), reviewer,
                                    admin)
        if number < 2:
            workflow.review(review_id)
    client = app.test_client()
    login(client, reviewer)
    page = client.get("/reviews/").get_data(as_text=True)
    positions = [page.index(name) for name in names]
    assert positions[2] < positions[0] < positions[1]


def test_bulk_verification_refuses_a_pdf(client):
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Length 4>>stream\n\x00\x01\x02\x03\nendstream"
    response = client.post("/verify/bulk", data={"file": (io.BytesIO(pdf), "list.pdf")})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This file is not a CSV file" in body and "PDF-1.7" not in body
    api = client.post("/api/v1/certificates/bulk-verify",
                      data={"file": (io.BytesIO(pdf), "list.pdf")})
    assert api.status_code == 400


def test_the_consent_box_links_the_privacy_notice(client):
    """Already fixed (issue 20's privacy notice); kept so that it stays so."""
    page = client.get("/register").get_data(as_text=True)
    consent = page.index('name="accept_terms"')
    assert '<a href="/privacy"' in page[consent:consent + 600]
