"""What the database itself refuses, the shipped rubrics, and the documented example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.exc import IntegrityError, StatementError

from certify.core.extensions import db
from rubrics.io import LIBRARY, import_library, load_file, validate
from rubrics.models import Criterion, Level, Rubric, RubricVersion, Track, VersionState
from rubrics.operations import publish_problems

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def draft(in_app):
    def make():
        rubric = Rubric(code="DB", track=Track.engineer, title={"en": "x"})
        version = RubricVersion(rubric=rubric, number=1, state=VersionState.draft,
                                pass_threshold=50)
        version.criteria.append(Criterion(code="A", position=1, title={}, weight=1, levels=[
            Level(value=0, label={}, descriptor={}), Level(value=1, label={}, descriptor={})]))
        db.session.add(version)
        db.session.flush()
        return version.id

    return in_app(make)


def _version(version_id):
    return db.session.get(RubricVersion, version_id)


VIOLATIONS = {
    "weight zero": lambda v: setattr(v.criteria[0], "weight", 0),
    "weight negative": lambda v: setattr(v.criteria[0], "weight", -1),
    "duplicate code": lambda v: v.criteria.append(
        Criterion(code="A", position=2, title={}, weight=1)),
    "duplicate position": lambda v: v.criteria.append(
        Criterion(code="B", position=1, title={}, weight=1)),
    "duplicate level": lambda v: v.criteria[0].levels.append(
        Level(value=1, label={}, descriptor={})),
    "negative level": lambda v: v.criteria[0].levels.append(
        Level(value=-1, label={}, descriptor={})),
    "threshold above 100": lambda v: setattr(v, "pass_threshold", 101),
    "threshold below 0": lambda v: setattr(v, "pass_threshold", -1),
    # The column types refuse unknown values before SQL; the database refuses them as well.
    "unknown state": lambda v: db.session.execute(
        sa.text("UPDATE rubric_versions SET state = 'archived' WHERE id = :id"), {"id": v.id}),
    "published without hash": lambda v: setattr(v, "state", VersionState.published),
    "duplicate version number": lambda v: db.session.add(
        RubricVersion(rubric=v.rubric, number=1, state=VersionState.draft, pass_threshold=50)),
    "unknown track": lambda v: db.session.execute(
        sa.text("UPDATE rubrics SET track = 'miner' WHERE id = :id"), {"id": v.rubric_id}),
    "negative gate": lambda v: setattr(v.criteria[0], "min_pass_level", -1),
}


@pytest.mark.parametrize("violation", sorted(VIOLATIONS))
def test_the_database_rejects(in_app, draft, violation):
    def attempt():
        version = _version(draft)
        with pytest.raises(IntegrityError):
            VIOLATIONS[violation](version)
            db.session.flush()
        db.session.rollback()

    in_app(attempt)


@pytest.mark.parametrize(("column", "value"), [("state", "archived"), ("track", "miner")])
def test_unknown_state_or_track_never_reaches_the_database(in_app, draft, column, value):
    def attempt():
        version = _version(draft)
        setattr(version if column == "state" else version.rubric, column, value)
        with pytest.raises(StatementError, match="is not a valid"):
            db.session.flush()
        db.session.rollback()

    in_app(attempt)


@pytest.mark.parametrize("name", ["upme.json", "cme.json"])
def test_shipped_rubric_is_complete_and_publishable(name):
    document = load_file(LIBRARY / name)
    assert validate(document) == []
    version = document["version"]
    assert len(version["criteria"]) == 12
    assert sum(c["weight"] for c in version["criteria"]) == 100
    assert version["note"] and version["bands"] and version["eligibility"]
    assert [b["min_score"] for b in version["bands"]] == sorted(b["min_score"]
                                                               for b in version["bands"])
    assert any(b["min_score"] >= 75 for b in version["bands"])
    kinds = {item["kind"] for item in version["eligibility"]}
    assert {"degree", "referees"} <= kinds
    for criterion in version["criteria"]:
        assert criterion["evidence"], criterion["code"]
    if document["track"] == "engineer":
        gated = {c["code"] for c in version["criteria"] if c["min_pass_level"] is not None}
        assert {"E5", "E6", "E7"} <= gated  # safety, environment, ethics (the ISME areas)
        assert {"experience_years", "responsible_charge_years"} <= kinds


def test_shipped_rubrics_import_with_nothing_left_to_fix(in_app):
    def load():
        return {v.rubric.code: publish_problems(v) for v in import_library()}

    assert in_app(load) == {"CME": [], "UPME": []}


def test_the_documented_example_is_valid():
    text = (ROOT / "docs" / "rubric-format.md").read_text(encoding="utf-8")
    example = re.search(r"## Example.*?```yaml\n(.*?)```", text, re.S).group(1)
    assert validate(yaml.safe_load(example)) == []
