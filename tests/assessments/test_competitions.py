"""Administrators create and change competitions; bad input changes nothing."""

import pytest
import sqlalchemy as sa

from assessments.models import Competition
from certify.core.extensions import db
from certify.users.models import Branch
from rubrics.io import import_rubric
from tests.support import SMALL_RUBRIC, login


@pytest.fixture
def admin_client(app, create_user):
    client = app.test_client()
    login(client, create_user("admin"))
    return client


def competition_data(version_id, **change):
    return {
        "title_en": "2027 call", "title_ru": "Конкурс 2027", "title_kk": "2027 конкурсы",
        "rubric_version": version_id, "state": "open",
        "opens_at": "2027-01-10T09:00", "closes_at": "2027-04-30T18:00",
        "review_deadline": "2027-06-30T18:00", "min_reviewers": "2",
        "max_reviews_per_reviewer": "8",
    } | change


def count(in_app) -> int:
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count(Competition.id))))


def test_admin_creates_a_competition(admin_client, rubric_version, in_app):
    kz = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ")))
    response = admin_client.post("/manage/competitions/new", data=competition_data(
        rubric_version, blind_review="y", branches=[kz],
        eligibility_kk="Тек Қазақстан филиалының үміткерлері."))
    assert response.status_code == 302

    def load():
        c = db.session.scalar(sa.select(Competition))
        return (c.title["kk"], c.state, c.opens_at.isoformat(), c.blind_review,
                [b.code for b in c.branches], c.min_reviewers, c.eligibility_note)

    assert in_app(load) == ("2027 конкурсы", "open", "2027-01-10T09:00:00+00:00", True,
                            ["KZ"], 2, {"kk": "Тек Қазақстан филиалының үміткерлері."})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title_kk": " "}, "This field is required"),
        ({"closes_at": "2027-01-01T00:00"}, "Applications must close after they open."),
        ({"review_deadline": "2027-02-01T00:00"}, "cannot be before applications close"),
        ({"min_reviewers": "0"}, "Number must be between 1 and 10"),
        ({"state": "archived"}, "Not a valid choice"),
        ({"rubric_version": "999"}, "Not a valid choice"),
        ({"opens_at": "tomorrow"}, "Not a valid datetime value"),
    ],
)
def test_bad_competition_input_changes_nothing(admin_client, rubric_version, in_app, change,
                                               message):
    response = admin_client.post("/manage/competitions/new",
                                 data=competition_data(rubric_version, **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(in_app) == 0


def test_rubric_version_is_fixed_once_someone_applied(admin_client, create_competition,
                                                     create_user, workflow, in_app):
    competition_id = create_competition()
    workflow.start(competition_id, create_user("candidate"))
    changed = {**SMALL_RUBRIC, "code": "OTHER"}
    other_version = in_app(lambda: import_rubric(changed).id)
    response = admin_client.post(f"/manage/competitions/{competition_id}/edit",
                                 data=competition_data(other_version))
    assert response.status_code == 422
    assert "rubric version can no longer change" in response.get_data(as_text=True)
    assert in_app(lambda: db.session.get(Competition, competition_id).rubric_version_id) != (
        other_version)


def test_edit_form_shows_the_current_values(admin_client, create_competition):
    competition_id = create_competition()
    page = admin_client.get(f"/manage/competitions/{competition_id}/edit")
    assert page.status_code == 200
    assert 'value="Сынақ конкурсы"' in page.get_data(as_text=True)
