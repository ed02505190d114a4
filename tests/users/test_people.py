"""People: coordinators see their branch only; administrators create accounts."""

import pytest
import sqlalchemy as sa

from certify.core.extensions import db
from certify.users.models import Branch, User
from tests.support import login


def test_coordinator_sees_only_their_branchs_people(app, create_user):
    kz_person = create_user("candidate", branch="KZ", full_name="Kazakh Candidate")
    ru_person = create_user("candidate", branch="RU", full_name="Russian Candidate")
    coordinator = create_user("coordinator", branch="RU")
    client = app.test_client()
    login(client, coordinator)
    body = client.get("/users/").get_data(as_text=True)
    assert ru_person.full_name in body
    assert kz_person.full_name not in body and kz_person.email not in body


def test_admin_sees_everyone(app, create_user):
    people = [create_user("candidate", branch=b) for b in ("KZ", "RU")]
    admin = create_user("admin")
    client = app.test_client()
    login(client, admin)
    body = client.get("/users/").get_data(as_text=True)
    assert all(p.email in body for p in people)


def new_account(in_app, **change):
    ru = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "RU")))
    return {
        "email": "olga@example.org", "full_name": "Olga Ivanova", "affiliation": "SPMU",
        "country": "RU", "branch": ru, "preferred_language": "ru",
        "roles": ["coordinator", "reviewer"], "password": "an initial passphrase",
    } | change


def test_admin_creates_a_coordinator_for_a_branch(app, create_user, in_app):
    admin = create_user("admin")
    client = app.test_client()
    login(client, admin)
    response = client.post("/users/new", data=new_account(in_app))
    assert response.status_code == 302

    def load():
        user = db.session.scalar(sa.select(User).where(User.email == "olga@example.org"))
        return sorted(user.roles), user.branch.code, user.coordinated_branch_ids == {
            user.branch_id}

    assert in_app(load) == (["coordinator", "reviewer"], "RU", True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"roles": []}, "Choose at least one role."),
        ({"roles": ["pope"]}, "is not a valid choice"),
        ({"email": "admin1@example.org"}, "already exists"),
        ({"password": "short"}, "at least 12 characters"),
        ({"branch": "0"}, "Not a valid choice"),
    ],
)
def test_bad_account_form_writes_nothing(app, create_user, in_app, change, message):
    admin = create_user("admin", email="admin1@example.org")
    client = app.test_client()
    login(client, admin)
    response = client.post("/users/new", data=new_account(in_app, **change))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(User.id)))) == 1


def test_admin_is_offered_to_disable_others_but_not_themselves(app, create_user):
    admin = create_user("admin")
    person = create_user("candidate")
    client = app.test_client()
    login(client, admin)
    page = client.get("/users/").get_data(as_text=True)
    assert f"/users/{person.id}/disable" in page
    assert f"/users/{admin.id}/disable" not in page
    refused = client.post(f"/users/{admin.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account." in refused.get_data(as_text=True)


def test_coordinator_is_offered_no_account_switches(app, create_user):
    create_user("candidate", branch="RU")
    coordinator = create_user("coordinator", branch="RU")
    client = app.test_client()
    login(client, coordinator)
    page = client.get("/users/").get_data(as_text=True)
    assert "/disable" not in page and "/users/new" not in page
