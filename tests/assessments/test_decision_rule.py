"""The decision rule that binds (domain_anchors §3.4 rule 6): the floor on every criterion,
through the app, the rubric files and `flask scores verify`."""

from __future__ import annotations

import copy

import sqlalchemy as sa

from assessments import scoring
from assessments.models import Application, Decision
from certify.core.extensions import db
from rubrics.io import content_hash, export_rubric, import_rubric, normalize_version, validate
from rubrics.models import RubricVersion
from tests.support import SMALL_RUBRIC, login, texts


def test_a_criterion_below_the_floor_is_not_recommended(app, under_review, workflow):
    # C3 rated 1 by both reviewers: 100 * (40 + 35 + 25 * 1/4) / 100 = 81.25 >= 50,
    # yet C3's panel score lies below the floor (level 2).
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(4, 4, 1))
    admin = app.test_client()
    login(admin, under_review["admin"])
    body = admin.get(f"/manage/applications/{under_review['application']}").get_data(as_text=True)
    assert "81.2%" in body or "81.3%" in body
    assert "Below the floor (level 2): C3" in body
    assert "do not award" in body


def test_the_decision_records_the_refusal_and_verifies(app, under_review, workflow, runner, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(4, 4, 1))
    workflow.decide(under_review["application"], under_review["admin"], "refuse")

    def load():
        decision = db.session.scalar(sa.select(Decision))
        return decision.engine_version, decision.recommended

    assert in_app(load) == (scoring.ENGINE_VERSION, False)
    result = runner.invoke(args=["scores", "verify"])
    assert result.exit_code == 0, result.output
    assert "1 decisions checked, 0 mismatches" in result.output


def test_decisions_of_engine_1_0_still_verify(app, under_review, workflow, runner, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(4, 4, 1))
    workflow.decide(under_review["application"], under_review["admin"], "refuse")

    def recorded_by_engine_1_0():  # as engine 1.0 recorded it: recommended, no floor
        decision = db.session.scalar(sa.select(Decision))
        decision.engine_version, decision.recommended = "1.0", True

    in_app(recorded_by_engine_1_0)
    result = runner.invoke(args=["scores", "verify"])
    assert result.exit_code == 0, result.output
    assert "0 mismatches" in result.output

    def claimed_by_the_new_engine():
        db.session.scalar(sa.select(Decision)).engine_version = scoring.ENGINE_VERSION

    in_app(claimed_by_the_new_engine)
    result = runner.invoke(args=["scores", "verify"])
    assert result.exit_code == 1
    assert "the recommendation recomputes differently" in result.output


def test_rubric_files_carry_the_floor_without_changing_old_hashes(in_app):
    without = copy.deepcopy(SMALL_RUBRIC)
    with_floor = copy.deepcopy(SMALL_RUBRIC)
    with_floor["code"] = "TEST-F"
    with_floor["version"]["floor_level"] = 3
    explicit_default = copy.deepcopy(SMALL_RUBRIC)
    explicit_default["version"]["floor_level"] = 2

    def work():
        plain = import_rubric(without)
        floored = import_rubric(with_floor)
        return (plain.floor_level, plain.content_hash,
                "floor_level" in export_rubric(plain)["version"],
                floored.floor_level, export_rubric(floored)["version"]["floor_level"],
                floored.content_hash)

    plain_floor, plain_hash, exported, floor, exported_floor, floored_hash = in_app(work)
    assert plain_floor == 2 and not exported
    # The hash of a document without the key is what it was before the key existed.
    legacy = normalize_version(SMALL_RUBRIC["version"])
    assert "floor_level" not in legacy
    assert plain_hash == content_hash(legacy)
    assert content_hash(normalize_version(explicit_default["version"])) == plain_hash
    assert (floor, exported_floor) == (3, 3) and floored_hash != plain_hash
    bad = copy.deepcopy(SMALL_RUBRIC)
    bad["version"]["floor_level"] = -1
    assert any("floor_level" in str(problem) for problem in validate(bad))


def test_the_floor_is_set_in_the_version_settings(app, create_user, in_app):
    admin = app.test_client()
    login(admin, create_user("admin"))
    admin.post("/rubrics/new", data={
        "code": "NEW", "track": "engineer", "branch": "0",
        **texts("New rubric", "Новая рубрика", "Жаңа рубрика", prefix="title"),
    })
    version_id = in_app(lambda: db.session.scalar(sa.select(RubricVersion.id)))
    form = admin.get(f"/rubrics/versions/{version_id}/settings").get_data(as_text=True)
    assert 'name="floor_level"' in form and 'value="2"' in form
    data = {"pass_threshold": "60", "floor_level": "3"}
    assert admin.post(f"/rubrics/versions/{version_id}/settings", data=data).status_code == 302
    assert in_app(lambda: db.session.get(RubricVersion, version_id).floor_level) == 3
    bad = admin.post(f"/rubrics/versions/{version_id}/settings", data=data | {"floor_level": "-1"})
    assert bad.status_code == 422
    assert in_app(lambda: db.session.get(RubricVersion, version_id).floor_level) == 3
    page = admin.get(f"/rubrics/versions/{version_id}").get_data(as_text=True)
    assert "Floor: level 3 on every criterion" in page


def test_results_export_names_the_criteria_below_the_floor(app, under_review, workflow, in_app):
    for review_id in under_review["reviews"]:
        workflow.review(review_id, levels=(4, 4, 1))
    competition_id = in_app(
        lambda: db.session.get(Application, under_review["application"]).competition_id)
    admin = app.test_client()
    login(admin, under_review["admin"])
    export = admin.get(f"/manage/competitions/{competition_id}/export/results.csv")
    assert export.status_code == 200, export.status_code
    text = export.get_data(as_text=True)
    assert "below_floor" in text.splitlines()[0] and ",C3," in text
