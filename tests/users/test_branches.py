"""Branches as data (issue 20): created, edited and deactivated by administrators; the code
is well formed, unique and fixed once a certificate carries it; a deactivated branch takes no
new applications or competitions; coordinators are appointed from the branch page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments.models import Application, Competition
from assessments.operations import CompetitionInput, save_competition
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Branch, User
from tests.support import login


def branch_form(**change) -> dict:
    return {
        "code": "uz", "country": "UZ", "name_en": "Uzbekistan branch",
        "name_ru": "Узбекистанский филиал", "name_kk": "Өзбекстан филиалы",
        "host_en": "Tashkent State Technical University", "host_ru": "", "host_kk": "",
        "agreement_date": "2026-09-01", "agreement_reference": "ICC-UZ-2026/1",
        "languages": ["ru", "en"], "public_contact": "uz@certify.example",
    } | change


def branch_codes(in_app) -> list[str]:
    return in_app(lambda: list(db.session.scalars(sa.select(Branch.code).order_by(Branch.code))))


@pytest.fixture
def admin_client(app, create_user):
    client = app.test_client()
    login(client, create_user("admin"))
    return client


def test_admin_creates_a_branch_that_the_public_list_shows(admin_client, app, in_app):
    response = admin_client.post("/branches/new", data=branch_form())
    assert response.status_code == 302

    def stored():
        branch = db.session.scalar(sa.select(Branch).where(Branch.code == "UZ"))
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "branch.create", AuditEvent.object_id == branch.id))
        return (branch.country, branch.languages, branch.agreement_reference,
                str(branch.agreement_date), branch.is_active, event is not None)

    assert in_app(stored) == ("UZ", ["en", "ru"], "ICC-UZ-2026/1", "2026-09-01", True, True)
    public = app.test_client().get("/branches/").get_data(as_text=True)
    assert "Uzbekistan branch" in public and "uz@certify.example" in public
    assert "ICC-UZ-2026/1" in admin_client.get("/branches/manage").get_data(as_text=True)
    assert "Kazakhstan branch" in public
    assert '/branches/"' in app.test_client().get("/").get_data(as_text=True)  # footer link


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("U", "2 to 8 Latin letters"),
        ("U1", "2 to 8 Latin letters"),
        ("УЗ", "2 to 8 Latin letters"),  # Cyrillic letters would not read as Latin ones
        ("U-Z", "2 to 8 Latin letters"),
        ("kz", "Another branch already has the code KZ."),
        ("TOOLONGCODE", "2 to 8 Latin letters"),
    ],
)
def test_a_malformed_or_taken_code_is_refused_and_nothing_written(admin_client, in_app, code,
                                                                  message):
    response = admin_client.post("/branches/new", data=branch_form(code=code))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert 'value="Uzbekistan branch"' in body  # typed values kept
    assert branch_codes(in_app) == ["KZ", "RU"]


def test_a_name_with_a_direction_override_is_refused(admin_client, in_app):
    """Branch names reach certificates: the personal-name rule of certify.core.names."""
    response = admin_client.post("/branches/new",
                                 data=branch_form(name_en="Uzbekistan \u202ebranch"))
    assert response.status_code == 422
    assert "direction-changing characters" in response.get_data(as_text=True)
    assert branch_codes(in_app) == ["KZ", "RU"]


def test_a_branch_needs_its_languages(admin_client, in_app):
    response = admin_client.post("/branches/new", data=branch_form(languages=[]))
    assert response.status_code == 422
    assert "Choose the languages the branch offers." in response.get_data(as_text=True)
    assert branch_codes(in_app) == ["KZ", "RU"]


def _branch_id(in_app, code):
    return in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == code)))


def test_the_code_changes_until_a_certificate_carries_it(app, award, in_app):
    award()  # a KZ certificate
    client = app.test_client()
    login(client, award.admin)
    kz, ru = _branch_id(in_app, "KZ"), _branch_id(in_app, "RU")
    refused = client.post(f"/branches/{kz}/edit", data=branch_form(code="KAZ", country="KZ"))
    assert refused.status_code == 422
    assert "Certificates already carry the code KZ: it cannot change." in refused.get_data(
        as_text=True)
    kept = client.post(f"/branches/{kz}/edit",
                       data=branch_form(code="KZ", country="KZ", name_en="Kazakhstan"))
    assert kept.status_code == 302
    renamed = client.post(f"/branches/{ru}/edit", data=branch_form(code="RUS", country="RU"))
    assert renamed.status_code == 302
    assert branch_codes(in_app) == ["KZ", "RUS"]

    def update_audit():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "branch.update", AuditEvent.object_id == kz))
        return event.data["changed"]

    assert "name" in in_app(update_audit) and "code" not in in_app(update_audit)


def test_a_deactivated_branch_keeps_its_history_and_takes_no_new_applications(
        app, admin_client, create_user, create_competition, workflow, in_app):
    competition_id = create_competition()
    earlier = create_user("candidate", branch="RU")
    application_id = workflow.start(competition_id, earlier)
    later = create_user("candidate", branch="RU")
    ru = _branch_id(in_app, "RU")
    assert admin_client.post(f"/branches/{ru}/deactivate").status_code == 302

    client = app.test_client()
    login(client, later)
    response = client.post(f"/competitions/{competition_id}/apply", follow_redirects=True)
    assert "The RU branch is deactivated and takes no new applications." in response.get_data(
        as_text=True)
    assert in_app(lambda: db.session.scalar(
        sa.select(sa.func.count(Application.id)))) == 1
    assert in_app(lambda: db.session.get(Application, application_id).branch.code) == "RU"
    assert "Russia branch" not in app.test_client().get("/branches/").get_data(as_text=True)
    assert "RU" not in admin_client.get("/users/new").get_data(as_text=True).split(
        'name="branch"')[1].split("</select>")[0]


def test_a_competition_cannot_open_to_a_deactivated_branch(admin_client, create_competition,
                                                          in_app, create_user):
    competition_id = create_competition(branches=("RU",))
    admin = create_user("admin")
    ru = _branch_id(in_app, "RU")
    admin_client.post(f"/branches/{ru}/deactivate")

    def save(existing: bool, branches: list[str]):
        competition = db.session.get(Competition, competition_id)
        data = CompetitionInput(
            title=competition.title, eligibility_note={},
            rubric_version=competition.rubric_version, state=competition.state,
            opens_at=competition.opens_at, closes_at=competition.closes_at,
            review_deadline=None, min_reviewers=2, max_reviews_per_reviewer=10,
            blind_review=False,
            branches=[db.session.scalar(sa.select(Branch).where(Branch.code == code))
                      for code in branches])
        save_competition(competition if existing else None, data,
                         by=db.session.get(User, admin.id))

    with pytest.raises(DomainError, match="The RU branch is deactivated"):
        in_app(lambda: save(False, ["KZ", "RU"]))
    in_app(lambda: save(True, ["RU"]))  # the competition that had it may keep it
    edit_page = admin_client.get(f"/manage/competitions/{competition_id}/edit")
    assert "RU — Russia branch" in edit_page.get_data(as_text=True)


def test_coordinators_are_appointed_from_the_branch_page(admin_client, create_user, in_app):
    person = create_user("reviewer", branch="RU")
    ru = _branch_id(in_app, "RU")
    response = admin_client.post(f"/branches/{ru}/coordinators", data={"email": person.email})
    assert response.status_code == 302
    assert in_app(lambda: db.session.get(User, person.id).coordinated_branch_ids) == {ru}
    page = admin_client.get(f"/branches/{ru}/edit").get_data(as_text=True)
    assert person.full_name in page

    kz = _branch_id(in_app, "KZ")
    twice = admin_client.post(f"/branches/{kz}/coordinators", data={"email": person.email},
                              follow_redirects=True)
    assert "already coordinates the RU branch" in twice.get_data(as_text=True)
    unknown = admin_client.post(f"/branches/{kz}/coordinators",
                                data={"email": "nobody@example.org"})
    assert unknown.status_code == 422
    assert "Nobody has an account with this email." in unknown.get_data(as_text=True)
    assert in_app(lambda: db.session.get(User, person.id).coordinated_branch_ids) == {ru}


def test_coordinators_cannot_touch_branches(app, create_user, in_app):
    client = app.test_client()
    login(client, create_user("coordinator", branch="RU"))
    kz = _branch_id(in_app, "KZ")
    assert client.post(f"/branches/{kz}/edit",
                       data=branch_form(code="KZ", name_en="Taken")).status_code == 403
    assert client.post(f"/branches/{kz}/deactivate").status_code == 403
    assert in_app(lambda: (db.session.get(Branch, kz).name["en"],
                           db.session.get(Branch, kz).is_active)) == ("Kazakhstan branch", True)
