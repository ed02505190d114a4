"""Editing rubrics through the app: drafts change, published versions never do."""

from __future__ import annotations

import copy
import io
import json

import pytest
import sqlalchemy as sa

from certify.core.extensions import db
from certify.users.models import Branch
from rubrics.io import export_rubric, validate, version_content, version_hash
from rubrics.models import Criterion, Rubric, RubricVersion
from tests.support import SMALL_RUBRIC, criterion_form, login, texts


@pytest.fixture
def admin(app, create_user):
    client = app.test_client()
    login(client, create_user("admin"))
    return client


def new_rubric(admin, in_app, code="NEW") -> int:
    response = admin.post("/rubrics/new", data={
        "code": code, "track": "engineer", "branch": "0",
        **texts("New rubric", "Новая рубрика", "Жаңа рубрика", prefix="title"),
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return in_app(lambda: db.session.scalar(
        sa.select(RubricVersion.id).join(Rubric).where(Rubric.code == code)))


def state(in_app, version_id):
    return in_app(lambda: db.session.get(RubricVersion, version_id).state)


def test_create_edit_publish(admin, in_app):
    version_id = new_rubric(admin, in_app)
    assert state(in_app, version_id) == "draft"
    page = admin.get(f"/rubrics/versions/{version_id}").get_data(as_text=True)
    assert "At least one criterion is needed." in page or "at least one criterion" in page

    # A new criterion starts with the common 0–4 scale; here two levels are posted.
    response = admin.post(f"/rubrics/versions/{version_id}/criteria/new",
                          data=criterion_form(levels=5, missing_kk_descriptor_at=3))
    assert response.status_code == 302
    blocked = admin.post(f"/rubrics/versions/{version_id}/publish", data={"confirm": "y"},
                         follow_redirects=True)
    body = blocked.get_data(as_text=True)
    assert "Criterion A1, level 3: the descriptor in Kazakh is missing." in body
    assert state(in_app, version_id) == "draft"

    criterion_id = in_app(lambda: db.session.scalar(sa.select(Criterion.id)))
    assert admin.post(f"/rubrics/criteria/{criterion_id}/edit",
                      data=criterion_form(levels=5, min_pass_level="2")).status_code == 302
    published = admin.post(f"/rubrics/versions/{version_id}/publish", data={"confirm": "y"},
                         follow_redirects=True)
    assert "Version published." in published.get_data(as_text=True)

    def load():
        version = db.session.get(RubricVersion, version_id)
        return (version.state, version.content_hash == version_hash(version),
                version.criteria[0].min_pass_level, version.published_at is not None)

    assert in_app(load) == ("published", True, 2, True)


def test_weights_shown_as_percentages(admin, in_app):
    version_id = new_rubric(admin, in_app)
    for code, weight in (("A1", "30"), ("A2", "10")):
        admin.post(f"/rubrics/versions/{version_id}/criteria/new",
                   data=criterion_form(code=code, weight=weight))
    page = admin.get(f"/rubrics/versions/{version_id}").get_data(as_text=True)
    assert "weight 75%" in page and "weight 25%" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": ""}, "This field is required."),
        ({"code": "bad code!"}, "Use letters, digits"),
        ({"weight": "0"}, "Number must be between 0.01 and 1000"),
        ({"weight": "abc"}, "Not a valid float value"),
        ({"min_pass_level": "7"}, "Not a valid choice"),
        ({"title-en": "x" * 301}, "Field cannot be longer than 300 characters"),
    ],
)
def test_bad_criterion_input_changes_nothing(admin, in_app, change, message):
    version_id = new_rubric(admin, in_app)
    response = admin.post(f"/rubrics/versions/{version_id}/criteria/new",
                          data=criterion_form(levels=5) | change)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Criterion.id)))) == 0


def test_duplicate_criterion_code_is_refused(admin, in_app):
    version_id = new_rubric(admin, in_app)
    admin.post(f"/rubrics/versions/{version_id}/criteria/new", data=criterion_form(levels=5))
    response = admin.post(f"/rubrics/versions/{version_id}/criteria/new",
                          data=criterion_form(levels=5))
    assert response.status_code == 422
    assert "already used in this version" in response.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Criterion.id)))) == 1


def test_reorder_and_levels(admin, in_app):
    version_id = new_rubric(admin, in_app)
    for code in ("A1", "A2", "A3"):
        admin.post(f"/rubrics/versions/{version_id}/criteria/new",
                   data=criterion_form(code=code, levels=5))

    def order():
        version = db.session.get(RubricVersion, version_id)
        return [c.code for c in version.criteria]

    ids = in_app(lambda: {c.code: c.id for c in db.session.scalars(sa.select(Criterion))})
    admin.post(f"/rubrics/criteria/{ids['A3']}/move/up")
    assert in_app(order) == ["A1", "A3", "A2"]
    admin.post(f"/rubrics/criteria/{ids['A1']}/move/up")  # already first: nothing moves
    admin.post(f"/rubrics/criteria/{ids['A1']}/move/down")
    assert in_app(order) == ["A3", "A1", "A2"]
    admin.post(f"/rubrics/criteria/{ids['A2']}/delete")
    assert in_app(order) == ["A3", "A1"]

    def levels():
        return [lv.value for lv in db.session.get(Criterion, ids["A1"]).levels]

    admin.post(f"/rubrics/criteria/{ids['A1']}/levels/add")
    assert in_app(levels) == [0, 1, 2, 3, 4, 5]
    for _ in range(4):
        admin.post(f"/rubrics/criteria/{ids['A1']}/levels/remove")
    assert in_app(levels) == [0, 1]
    refused = admin.post(f"/rubrics/criteria/{ids['A1']}/levels/remove", follow_redirects=True)
    assert "needs at least two levels" in refused.get_data(as_text=True)
    assert in_app(levels) == [0, 1]


def test_settings_bands_and_eligibility(admin, in_app):
    version_id = new_rubric(admin, in_app)
    admin.post(f"/rubrics/versions/{version_id}/criteria/new", data=criterion_form(levels=5))
    data = {
        "pass_threshold": "60", **texts("Why", "Почему", "Неге", prefix="note"),
        "eligibility-0-code": "experience", "eligibility-0-kind": "experience_years",
        "eligibility-0-minimum": "7",
        **texts("Seven years", "Семь лет", "Жеті жыл", prefix="eligibility-0-text"),
        "eligibility-1-code": "", "eligibility-1-kind": "other",  # an empty row: ignored
        "bands-0-code": "fellow", "bands-0-min_score": "75", "bands-0-min_levels": "A1=3",
        **texts("Fellow", "Почётный", "Құрметті", prefix="bands-0-title"),
    }
    assert admin.post(f"/rubrics/versions/{version_id}/settings", data=data).status_code == 302

    def load():
        version = db.session.get(RubricVersion, version_id)
        return version.pass_threshold, version.eligibility, version.bands

    threshold, eligibility, bands = in_app(load)
    assert threshold == 60
    assert eligibility == [{"code": "experience", "kind": "experience_years", "minimum": 7,
                            "text": {"en": "Seven years", "ru": "Семь лет", "kk": "Жеті жыл"}}]
    assert bands == [{"code": "fellow", "min_score": 75.0, "min_levels": {"A1": 3},
                      "title": {"en": "Fellow", "ru": "Почётный", "kk": "Құрметті"}}]
    bad = admin.post(f"/rubrics/versions/{version_id}/settings",
                     data=data | {"pass_threshold": "101", "bands-0-min_levels": "A1=x"})
    assert bad.status_code == 422
    assert in_app(load)[0] == 60
    # A band naming a missing criterion blocks publishing, with the band named.
    admin.post(f"/rubrics/versions/{version_id}/settings",
               data=data | {"bands-0-min_levels": "Z9=3"})
    page = admin.get(f"/rubrics/versions/{version_id}").get_data(as_text=True)
    assert "Band 1: The minimum levels: names a criterion that does not exist." in page or (
        "Band 1" in page and "does not exist" in page)


def test_new_draft_copies_the_published_version_and_diff_shows_changes(admin, in_app,
                                                                       rubric_version):
    response = admin.post(f"/rubrics/versions/{rubric_version}/draft")
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])

    def contents():
        return (version_content(db.session.get(RubricVersion, rubric_version)),
                version_content(db.session.get(RubricVersion, draft_id)),
                db.session.get(RubricVersion, draft_id).number)

    published, draft, number = in_app(contents)
    assert draft == published and number == 2
    again = admin.post(f"/rubrics/versions/{rubric_version}/draft", follow_redirects=True)
    assert "already a draft" in again.get_data(as_text=True)

    criterion_id = in_app(lambda: db.session.get(RubricVersion, draft_id).criteria[1].id)
    form = criterion_form(code="C2", weight="50", levels=5)
    admin.post(f"/rubrics/criteria/{criterion_id}/edit", data=form)
    page = admin.get(f"/rubrics/diff/{rubric_version}/{draft_id}").get_data(as_text=True)
    assert "Mine planning" in page and "Criterion C2" in page
    assert "weight" in page and "35" in page and "50" in page
    assert "Unchanged" in page  # C1 and C3


def test_delete_draft(admin, in_app, rubric_version):
    draft_location = admin.post(f"/rubrics/versions/{rubric_version}/draft").headers["Location"]
    draft_id = int(draft_location.rsplit("/", 1)[1])
    assert admin.post(f"/rubrics/versions/{draft_id}/delete").status_code == 302
    assert in_app(lambda: db.session.get(RubricVersion, draft_id)) is None
    assert state(in_app, rubric_version) == "published"


def test_retire(admin, in_app, rubric_version):
    admin.post(f"/rubrics/versions/{rubric_version}/retire", data={"confirm": "y"})
    assert state(in_app, rubric_version) == "retired"
    again = admin.post(f"/rubrics/versions/{rubric_version}/retire", data={"confirm": "y"},
                        follow_redirects=True)
    assert "Only a published version can be retired." in again.get_data(as_text=True)
    form = admin.get("/manage/competitions/new").get_data(as_text=True)
    assert "Test professor rubric" not in form  # retired versions are not offered


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("role", ["candidate", "reviewer"])
def test_preview_in_each_language(admin, rubric_version, language, role):
    response = admin.get(f"/rubrics/versions/{rubric_version}/preview",
                         query_string={"lang": language, "as": role})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    expected = SMALL_RUBRIC["version"]["criteria"][0]["levels"][2]["descriptor"][language]
    assert expected in body
    assert ("Narrative" in body) == (role == "candidate" and language == "en")
    assert 'type="radio"' in body


def test_coordinator_edits_a_branch_draft_only_when_allowed(app, admin, in_app, create_user):
    kz = in_app(lambda: db.session.scalar(sa.select(Branch.id).where(Branch.code == "KZ")))
    admin.post("/rubrics/new", data={
        "code": "KZ-LOCAL", "track": "engineer", "branch": str(kz),
        **texts("Local", "Местная", "Жергілікті", prefix="title"),
    })
    version_id = in_app(lambda: db.session.scalar(sa.select(RubricVersion.id)))
    rubric_id = in_app(lambda: db.session.scalar(sa.select(Rubric.id)))
    coordinator = app.test_client()
    login(coordinator, create_user("coordinator", branch="KZ"))
    url = f"/rubrics/versions/{version_id}/criteria/new"
    assert coordinator.post(url, data=criterion_form(levels=5)).status_code == 403

    admin.post(f"/rubrics/{rubric_id}/edit", data={
        "branch": str(kz), "coordinators_may_edit": "y",
        **texts("Local", "Местная", "Жергілікті", prefix="title"),
    })
    assert coordinator.post(url, data=criterion_form(levels=5)).status_code == 302
    assert coordinator.post(f"/rubrics/versions/{version_id}/publish").status_code == 403
    other = app.test_client()
    login(other, create_user("coordinator", branch="RU"))
    assert other.post(url, data=criterion_form(code="B1", levels=5)).status_code == 403


def test_import_and_export_through_the_web(admin, in_app, rubric_version):
    exported = admin.get(f"/rubrics/versions/{rubric_version}/export?format=yaml")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    yaml_text = exported.get_data(as_text=True).replace("TEST-P", "TEST-Y")
    response = admin.post("/rubrics/import", data={
        "file": (io.BytesIO(yaml_text.encode()), "copy.yaml")}, follow_redirects=True)
    assert "Imported TEST-Y version 1" in response.get_data(as_text=True)

    def hashes():
        return sorted(v.content_hash for v in db.session.scalars(sa.select(RubricVersion)))

    first, second = in_app(hashes)
    assert first == second  # same content, same hash

    broken = copy.deepcopy(SMALL_RUBRIC) | {"code": "BROKEN"}
    del broken["version"]["criteria"][2]["levels"][1]["label"]["ru"]

    response = admin.post("/rubrics/import", data={
        "file": (io.BytesIO(json.dumps(broken).encode()), "broken.json")},
        follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "nothing was saved" in body
    assert "criteria[2].levels[1].label.ru: missing" in body
    assert in_app(lambda: db.session.scalar(
        sa.select(sa.func.count(Rubric.id)).where(Rubric.code == "BROKEN"))) == 0


def test_cli_export_then_import_gives_the_same_hash(runner, in_app, rubric_version, tmp_path):
    for fmt in ("json", "yaml"):
        out = tmp_path / f"rubric.{fmt}"
        result = runner.invoke(args=["rubrics", "export", "TEST-P", "--format", fmt,
                                     "--output", str(out)])
        assert result.exit_code == 0, result.output
        document = out.read_text(encoding="utf-8").replace("TEST-P", f"COPY-{fmt}")
        out.write_text(document, encoding="utf-8")
        result = runner.invoke(args=["rubrics", "import", str(out)])
        assert result.exit_code == 0, result.output

    def hashes():
        return {v.rubric.code: v.content_hash for v in db.session.scalars(sa.select(RubricVersion))}

    found = in_app(hashes)
    assert found["TEST-P"] == found["COPY-json"] == found["COPY-yaml"]
    unknown = runner.invoke(args=["rubrics", "export", "NOPE"])
    assert unknown.exit_code != 0 and "no rubric" in unknown.output.lower()


def test_export_document_is_importable_as_is(in_app, rubric_version):
    document = in_app(lambda: export_rubric(db.session.get(RubricVersion, rubric_version)))
    assert validate(document) == []
