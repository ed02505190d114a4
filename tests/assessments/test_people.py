"""A person's page (issue 20): roles, branch, applications, reviews, certificates and the audit
of changes, for administrators and the coordinators of the person's branch."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.models import Review
from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import login


def test_the_page_gathers_what_the_person_did(app, award, create_user, in_app):
    holder = create_user("candidate", "reviewer", full_name="Aigerim Holder")
    application_id = award(holder)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    reviewer_id = in_app(lambda: db.session.scalar(
        sa.select(Review.reviewer_id).where(Review.application_id == application_id)))
    client = app.test_client()
    login(client, award.admin)
    page = client.get(f"/people/{holder.id}").get_data(as_text=True)
    assert "Aigerim Holder" in page and number in page and "Decided" in page
    assert "Reviewer" in page and "Candidate" in page and "Kazakhstan branch" in page
    reviewer_page = client.get(f"/people/{reviewer_id}").get_data(as_text=True)
    assert f"#{application_id}" in reviewer_page and "Submitted" in reviewer_page


def test_coordinators_see_the_people_of_their_branch_only(app, create_user):
    kz_person = create_user("candidate", full_name="Kazakh Person")
    kz_coordinator = create_user("coordinator", branch="KZ")
    ru_coordinator = create_user("coordinator", branch="RU")
    for coordinator, status in ((kz_coordinator, 200), (ru_coordinator, 404)):
        client = app.test_client()
        login(client, coordinator)
        response = client.get(f"/people/{kz_person.id}")
        assert response.status_code == status
        assert ("Kazakh Person" in response.get_data(as_text=True)) == (status == 200)
