"""Names are NFC and hold no invisible, control or direction-changing characters, wherever they
are entered: registration, accounts made by an administrator, create-user, name correction
(issue 14)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.users.models import Branch, User
from tests.support import login

MESSAGE = "A name may not contain invisible, control or direction-changing characters."
BAD_NAMES = ["Aliya \u202eavoisiepruN", "Aliya\u200bNurpeisova", "Aliya\u2028Nurpeisova",
             "Aliya\x07Nurpeisova", "Aliya\ue000"]
DECOMPOSED, COMPOSED = "Пе\u0308тр Jose\u0301", "Пётр José"


def count_users(in_app) -> int:
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count(User.id))))


def branch_id(in_app, code: str) -> int:
    return in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == code)))


def registration(in_app, **change) -> dict:
    return {
        "email": "new.person@example.org", "full_name": "Aliya Nurpeisova",
        "full_name_native": "Әлия Нұрпейісова", "affiliation": "Karaganda Technical University",
        "country": "KZ", "preferred_language": "en", "password": "a long enough passphrase",
        "password_again": "a long enough passphrase", "accept_terms": "y",
        "branch": branch_id(in_app, "KZ"),
    } | change


def names_of(in_app, email: str):
    return in_app(lambda: db.session.execute(
        sa.select(User.full_name, User.full_name_native).where(User.email == email)).one())


@pytest.mark.parametrize("field", ["full_name", "full_name_native"])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_registration_refuses_hidden_characters(client, in_app, field, name):
    response = client.post("/register", data=registration(in_app, **{field: name}))
    assert response.status_code == 200
    assert MESSAGE in response.get_data(as_text=True)
    assert count_users(in_app) == 0


def test_registration_stores_names_in_nfc(client, in_app):
    response = client.post("/register", data=registration(
        in_app, full_name="Jose\u0301 Nurpeisov", full_name_native=DECOMPOSED))
    assert response.status_code == 302
    assert names_of(in_app, "new.person@example.org") == ("José Nurpeisov", COMPOSED)


def new_account(in_app, **change) -> dict:
    return {
        "email": "olga@example.org", "full_name": "Olga Ivanova", "affiliation": "SPMU",
        "country": "RU", "branch": branch_id(in_app, "RU"), "preferred_language": "ru",
        "roles": ["reviewer"], "password": "an initial passphrase",
    } | change


@pytest.mark.parametrize("field", ["full_name", "full_name_native"])
def test_admin_created_accounts_refuse_hidden_characters(app, create_user, in_app, field):
    client = app.test_client()
    login(client, create_user("admin"))
    response = client.post("/users/new", data=new_account(in_app, **{field: BAD_NAMES[0]}))
    assert response.status_code == 200
    assert MESSAGE in response.get_data(as_text=True)
    assert count_users(in_app) == 1


def test_admin_created_accounts_store_names_in_nfc(app, create_user, in_app):
    client = app.test_client()
    login(client, create_user("admin"))
    response = client.post("/users/new", data=new_account(in_app, full_name_native=DECOMPOSED))
    assert response.status_code == 302
    assert names_of(in_app, "olga@example.org") == ("Olga Ivanova", COMPOSED)


def create_user_args(name: str) -> list[str]:
    return ["create-user", "--email", "olga@example.org", "--name", name, "--role", "admin",
            "--password", "a very long passphrase"]


def test_create_user_command_refuses_hidden_characters(runner, in_app):
    for name in BAD_NAMES:
        result = runner.invoke(args=create_user_args(name))
        assert result.exit_code != 0 and MESSAGE in result.output, name
    assert count_users(in_app) == 0


def test_create_user_command_stores_names_in_nfc(runner, in_app):
    result = runner.invoke(args=create_user_args(DECOMPOSED))
    assert result.exit_code == 0, result.output
    assert names_of(in_app, "olga@example.org")[0] == COMPOSED


def holder_names(in_app):
    return in_app(lambda: db.session.execute(
        sa.select(Certificate.holder_name, Certificate.holder_name_native)).one())


@pytest.mark.parametrize("field", ["full_name", "full_name_native"])
def test_name_correction_refuses_hidden_characters(app, award, in_app, field):
    award()
    before = holder_names(in_app)
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    admin = app.test_client()
    login(admin, award.admin)
    data = {"full_name": "Corrected Name", "reason": "Passport spelling."} | {field: BAD_NAMES[0]}
    response = admin.post(f"/certificates/{certificate_id}/correct-name", data=data,
                          follow_redirects=True)
    assert MESSAGE in response.get_data(as_text=True)
    assert holder_names(in_app) == before


def test_name_correction_stores_names_in_nfc(app, award, in_app):
    award()
    certificate_id = in_app(lambda: db.session.scalar(sa.select(Certificate.id)))
    admin = app.test_client()
    login(admin, award.admin)
    response = admin.post(f"/certificates/{certificate_id}/correct-name", data={
        "full_name": "Jose\u0301 Corrected", "full_name_native": DECOMPOSED,
        "reason": "Passport spelling."})
    assert response.status_code == 302
    assert holder_names(in_app) == ("José Corrected", COMPOSED)
