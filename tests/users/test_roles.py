"""Roles granted and removed on existing accounts (issue 20), with the separation-of-duties
rules: nobody changes their own roles, the last administrator stays, coordinators grant only
the reviewer role within their branch, and a reviewer's open assignments are released before
the role goes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments.models import Application
from assessments.states import ApplicationState
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Branch, Role, User
from certify.users.roles import remove_role
from tests.support import login


def roles_of(in_app, person) -> list[str]:
    return in_app(lambda: sorted(db.session.get(User, person.id).roles))


def logged_in(app, person):
    client = app.test_client()
    login(client, person)
    return client


def test_a_registered_candidate_is_made_a_reviewer(app, create_user, in_app):
    candidate = create_user("candidate")
    admin = create_user("admin")
    client = logged_in(app, admin)
    assert logged_in(app, candidate).get("/reviews/").status_code == 403
    response = client.post(f"/people/{candidate.id}/roles", data={"role": "reviewer"},
                           follow_redirects=True)
    assert "Role granted to" in response.get_data(as_text=True)
    assert roles_of(in_app, candidate) == ["candidate", "reviewer"]
    assert in_app(lambda: db.session.scalar(sa.select(AuditEvent.data).where(
        AuditEvent.action == "user.role_grant", AuditEvent.object_id == candidate.id))) == {
        "role": "reviewer", "branch": None}
    page = client.get(f"/people/{candidate.id}").get_data(as_text=True)
    assert "user.role_grant" in page  # the audit of changes to the person
    assert logged_in(app, candidate).get("/reviews/").status_code == 200


def test_nobody_changes_their_own_roles(app, create_user, in_app):
    admin = create_user("admin")
    create_user("admin")
    client = logged_in(app, admin)
    granted = client.post(f"/people/{admin.id}/roles", data={"role": "reviewer"},
                          follow_redirects=True)
    removed = client.post(f"/people/{admin.id}/roles/admin/remove", follow_redirects=True)
    assert roles_of(in_app, admin) == ["admin"]
    for response in (granted, removed):
        assert response.status_code == 200
    assert "Nobody grants or removes roles on their own account" in removed.get_data(
        as_text=True)


def test_the_last_administrator_stays(create_user, in_app):
    admin, other = create_user("admin"), create_user("admin", "reviewer")

    def disable_and_remove():
        db.session.get(User, admin.id).is_enabled = False  # no other enabled administrator
        remove_role(db.session.get(User, other.id), Role.admin,
                    by=db.session.get(User, admin.id))

    with pytest.raises(DomainError, match="This is the last administrator"):
        in_app(disable_and_remove)
    assert roles_of(in_app, other) == ["admin", "reviewer"]


def test_a_person_keeps_a_role(app, create_user, in_app):
    reviewer = create_user("reviewer")
    client = logged_in(app, create_user("admin"))
    response = client.post(f"/people/{reviewer.id}/roles/reviewer/remove", follow_redirects=True)
    assert "A person keeps at least one role" in response.get_data(as_text=True)
    assert roles_of(in_app, reviewer) == ["reviewer"]


def test_coordinators_grant_the_reviewer_role_within_their_branch_only(app, create_user,
                                                                        in_app):
    kz_person, ru_person = create_user("candidate"), create_user("candidate", branch="RU")
    client = logged_in(app, create_user("coordinator", branch="KZ"))
    assert client.post(f"/people/{kz_person.id}/roles", data={"role": "reviewer"}).status_code \
        == 302
    assert roles_of(in_app, kz_person) == ["candidate", "reviewer"]
    for role in ("admin", "coordinator"):
        response = client.post(f"/people/{kz_person.id}/roles", data={"role": role},
                               follow_redirects=True)
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert roles_of(in_app, kz_person) == ["candidate", "reviewer"]
    # The RU coordinator's attack on a KZ person, and the KZ one's on an RU person.
    assert client.get(f"/people/{ru_person.id}").status_code == 404
    assert client.post(f"/people/{ru_person.id}/roles",
                       data={"role": "reviewer"}).status_code == 404
    assert roles_of(in_app, ru_person) == ["candidate"]


def test_a_coordinator_role_names_its_branch(app, create_user, in_app):
    reviewer = create_user("reviewer", branch="RU")
    client = logged_in(app, create_user("admin"))
    missing = client.post(f"/people/{reviewer.id}/roles", data={"role": "coordinator"},
                          follow_redirects=True)
    assert "Choose the branch this person coordinates." in missing.get_data(as_text=True)
    ru = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "RU")))
    client.post(f"/people/{reviewer.id}/roles", data={"role": "coordinator", "branch": ru})
    assert in_app(lambda: db.session.get(User, reviewer.id).coordinated_branch_ids) == {ru}


def test_the_reviewer_role_waits_for_open_assignments_to_be_released(app, under_review,
                                                                     in_app):
    admin, reviewer = under_review["admin"], under_review["reviewers"][0]
    client = logged_in(app, admin)
    client.post(f"/people/{reviewer.id}/roles", data={"role": "candidate"})
    refused = client.post(f"/people/{reviewer.id}/roles/reviewer/remove", follow_redirects=True)
    body = refused.get_data(as_text=True)
    assert "has 1 unsubmitted review assignment(s)" in body
    assert "Release for reassignment" in body
    assert roles_of(in_app, reviewer) == ["candidate", "reviewer"]

    review_id = under_review["reviews"][0]
    assert client.post(f"/people/{reviewer.id}/assignments/{review_id}/release").status_code \
        == 302
    assert client.post(f"/people/{reviewer.id}/roles/reviewer/remove").status_code == 302
    assert roles_of(in_app, reviewer) == ["candidate"]
    assert in_app(lambda: db.session.get(Application, under_review["application"]).state) \
        == ApplicationState.under_review  # the other reviewer is still on it
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "review.release"))) == 1
