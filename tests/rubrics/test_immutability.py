"""A published version never changes, and a version used by an application is never deleted:
every route and every operation that could change one is tried here."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User
from rubrics import operations
from rubrics.io import version_content
from rubrics.models import Criterion, Level, RubricLocked, RubricVersion
from tests.support import criterion_form, login, texts

DESTRUCTIVE_FORM = criterion_form(code="C1", weight="99", levels=5, min_pass_level="0") | {
    "pass_threshold": "1", **texts("changed", "изменено", "өзгертілді", prefix="note"),
    "state": "draft", "content_hash": "0" * 64, "version_id": "999", "position": "9",
}


@pytest.fixture
def used_version(create_user, create_competition, workflow, rubric_version, in_app):
    """A published version with an application written against it."""
    competition_id = create_competition()
    workflow.submitted(competition_id, create_user("candidate"))
    return rubric_version


def snapshot(in_app, version_id):
    def read():
        version = db.session.get(RubricVersion, version_id)
        return {
            "content": version_content(version),
            "hash": version.content_hash,
            "number": version.number,
            "published_at": version.published_at,
            "criteria": db.session.scalar(sa.select(sa.func.count(Criterion.id))
                                          .where(Criterion.version_id == version_id)),
            "levels": db.session.scalar(sa.select(sa.func.count(Level.id)).join(Criterion)
                                        .where(Criterion.version_id == version_id)),
        }

    return in_app(read)


def _route_values(in_app, version_id):
    def read():
        version = db.session.get(RubricVersion, version_id)
        return {
            "version_id": version_id, "old_id": version_id, "new_id": version_id,
            "rubric_id": version.rubric_id, "criterion_id": version.criteria[0].id,
            "direction": "down",
        }

    return in_app(read)


def test_no_route_changes_a_used_version(app, used_version, in_app, create_user):
    admin = app.test_client()
    login(admin, create_user("admin"))
    before = snapshot(in_app, used_version)
    values = _route_values(in_app, used_version)
    tried = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not rule.arguments <= values.keys():
            continue
        if not rule.arguments & {"version_id", "criterion_id", "rubric_id"}:
            continue
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        response = admin.post(url, data=DESTRUCTIVE_FORM)
        assert response.status_code < 500, url
        tried.append(rule.endpoint)
        assert snapshot(in_app, used_version) == before, f"{rule.endpoint} changed the version"
    assert {"rubrics.settings", "rubrics.edit_criterion", "rubrics.delete_criterion",
            "rubrics.move", "rubrics.add_level_view", "rubrics.remove_level_view",
            "rubrics.add_criterion_view", "rubrics.delete_version",
            "rubrics.publish_version", "rubrics.retire_version", "rubrics.new_draft",
            "rubrics.edit"} <= set(tried)


def test_no_operation_changes_a_published_version(app, used_version, in_app, create_user):
    admin_id = create_user("admin").id
    before = snapshot(in_app, used_version)

    def attempts():
        version = db.session.get(RubricVersion, used_version)
        criterion = version.criteria[0]
        by = db.session.get(User, admin_id)
        data = operations.CriterionInput(
            code="X", section={}, title={"en": "x"}, guidance={}, evidence={}, weight=1,
            min_pass_level=None, evidence_required=False, levels=[])
        calls = [
            lambda: operations.update_settings(version, pass_threshold=1, note={},
                                               eligibility=[], bands=[], by=by),
            lambda: operations.add_criterion(version, data, by=by),
            lambda: operations.update_criterion(criterion, data, by=by),
            lambda: operations.remove_criterion(criterion, by=by),
            lambda: operations.move_criterion(criterion, 1, by=by),
            lambda: operations.add_level(criterion, by=by),
            lambda: operations.remove_level(criterion, by=by),
            lambda: operations.delete_draft(version, by=by),
            lambda: operations.publish(version, by=by),
        ]
        for call in calls:
            with pytest.raises(DomainError):
                call()
            db.session.rollback()
            version = db.session.get(RubricVersion, used_version)
            criterion = version.criteria[0]
            by = db.session.get(User, admin_id)

    in_app(attempts)
    assert snapshot(in_app, used_version) == before


@pytest.mark.parametrize("change", ["descriptor", "weight", "delete_level", "delete_criterion",
                                    "add_criterion", "delete_version", "unpublish", "hash"])
def test_the_database_session_refuses_direct_changes(app, rubric_version, in_app, change):
    before = snapshot(in_app, rubric_version)

    def attempt():
        version = db.session.get(RubricVersion, rubric_version)
        criterion = version.criteria[0]
        if change == "descriptor":
            criterion.levels[1].descriptor = {"en": "rewritten"}
        elif change == "weight":
            criterion.weight = 1.0
        elif change == "delete_level":
            db.session.delete(criterion.levels[-1])
        elif change == "delete_criterion":
            db.session.delete(criterion)
        elif change == "add_criterion":
            version.criteria.append(Criterion(code="NEW", position=99, title={}, weight=1))
        elif change == "delete_version":
            db.session.delete(version)
        elif change == "unpublish":
            version.state = "draft"
        elif change == "hash":
            version.content_hash = "0" * 64
        with pytest.raises(RubricLocked):
            db.session.flush()
        db.session.rollback()

    in_app(attempt)
    assert snapshot(in_app, rubric_version) == before


def test_a_retired_version_stays_retired(rubric_version, in_app):
    def attempt():
        version = db.session.get(RubricVersion, rubric_version)
        version.state = "retired"
        db.session.flush()
        version.state = "published"
        with pytest.raises(RubricLocked):
            db.session.flush()
        db.session.rollback()

    in_app(attempt)


def test_competitions_keep_their_version(used_version, in_app):
    """The database, too, refuses to delete a version a competition points to."""

    def attempt():
        with pytest.raises(IntegrityError):
            db.session.execute(sa.delete(RubricVersion).where(RubricVersion.id == used_version))
        db.session.rollback()

    in_app(attempt)
