"""The interview protocol in the rubric file: validation, the content hash, the library's
protocols, and drafts that carry the protocol along."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from certify.core.extensions import db
from rubrics.io import (
    LIBRARY,
    content_hash,
    export_rubric,
    import_rubric,
    load_file,
    normalize_version,
    validate,
)
from rubrics.models import Criterion, RubricVersion
from tests.support import SMALL_RUBRIC, criterion_form, login


def question(en="Walk us through it.", ru="Расскажите об этом.", kk="Айтып беріңіз."):
    return {"en": en, "ru": ru, "kk": kk}


def with_protocol(protocol, *, track="professor") -> dict:
    document = copy.deepcopy(SMALL_RUBRIC)
    document["track"] = track
    document["version"]["interview"] = protocol
    return document


PROTOCOL = {"required": False, "criteria": [
    {"code": "C1", "questions": [question(), question("And then?", "А потом?", "Содан кейін?")]},
    {"code": "C3", "questions": [question()]},
]}


def test_a_protocol_validates_and_is_part_of_the_content_hash():
    assert validate(with_protocol(PROTOCOL)) == []
    without = normalize_version(SMALL_RUBRIC["version"])
    with_it = normalize_version(with_protocol(PROTOCOL)["version"])
    assert "interview" not in without
    assert with_it["interview"]["criteria"][1] == {"code": "C3", "questions": [question()]}
    assert content_hash(with_it) != content_hash(without)


@pytest.mark.parametrize("empty", [None, {}])
def test_a_file_without_a_protocol_keeps_its_content_hash(empty):
    """Backward compatible: versions published before protocols existed keep their hash."""
    document = with_protocol(empty)
    assert validate(document) == []
    assert (content_hash(normalize_version(document["version"]))
            == content_hash(normalize_version(SMALL_RUBRIC["version"])))


def _without_kk(protocol):
    protocol["criteria"][0]["questions"][1].pop("kk")


def _unknown_code(protocol):
    protocol["criteria"][1]["code"] = "C9"


def _twice(protocol):
    protocol["criteria"][1]["code"] = "C1"


def _no_questions(protocol):
    protocol["criteria"][1]["questions"] = []


def _no_probes(protocol):
    protocol["criteria"] = []


def _flag_not_boolean(protocol):
    protocol["required"] = "yes"


@pytest.mark.parametrize(("spoil", "problem"), [
    (_without_kk, "version.interview.criteria[0].questions[1].kk: missing"),
    (_unknown_code, "version.interview.criteria[1].code: no such criterion"),
    (_twice, "version.interview.criteria[1].code: 'C1' is used twice"),
    (_no_questions, "version.interview.criteria[1].questions: expected at least one question"),
    (_no_probes, "version.interview.criteria: expected at least one probed criterion"),
    (_flag_not_boolean, "version.interview.required: expected true or false"),
])
def test_problems_of_a_protocol_name_their_place(spoil, problem):
    protocol = copy.deepcopy(PROTOCOL)
    spoil(protocol)
    assert validate(with_protocol(protocol)) == [problem]


def test_the_engineer_track_always_interviews():
    problems = validate(with_protocol(PROTOCOL, track="engineer"))
    assert problems == ["version.interview.required: the engineer track always interviews: "
                        "expected true"]
    assert validate(with_protocol({**PROTOCOL, "required": True}, track="engineer")) == []


def test_the_library_protocols_probe_what_a_file_cannot_show_well():
    cme = load_file(LIBRARY / "cme.v2.json")
    upme = load_file(LIBRARY / "upme.v2.json")
    assert validate(cme) == [] and validate(upme) == []
    probes = {probe["code"] for probe in cme["version"]["interview"]["criteria"]}
    must_pass = {c["code"] for c in cme["version"]["criteria"]
                 if c["min_pass_level"] is not None}
    assert cme["version"]["interview"]["required"] is True
    assert must_pass <= probes
    # Responsible charge, then the weakest criteria (domain_anchors §3.4 rule 5).
    assert cme["version"]["interview"]["criteria"][0]["code"] == "E11"
    assert upme["version"]["interview"]["required"] is False
    for document in (cme, upme):
        for probe in document["version"]["interview"]["criteria"]:
            assert all(q["en"] != q["ru"] != q["kk"] for q in probe["questions"])


def test_export_and_import_keep_the_protocol_and_the_hash(in_app):
    def work():
        version = import_rubric(with_protocol(PROTOCOL))
        exported = export_rubric(version)
        return version.content_hash, exported, version.interview

    digest, exported, stored = in_app(work)
    assert exported["version"]["interview"] == normalize_version(
        with_protocol(PROTOCOL)["version"])["interview"] == stored
    assert content_hash(normalize_version(exported["version"])) == digest


def test_a_draft_carries_the_protocol_and_follows_its_criteria(app, in_app, create_user):
    """The editor has no form for the protocol: a draft copies it, and its probes follow a
    renamed or removed criterion instead of blocking publication."""
    version_id = in_app(lambda: import_rubric(with_protocol(PROTOCOL)).id)
    client = app.test_client()
    login(client, create_user("admin"))
    assert client.post(f"/rubrics/versions/{version_id}/draft").status_code == 302

    def draft():
        version = db.session.get(RubricVersion, version_id).rubric.draft
        return version.id, version.interview, {c.code: c.id for c in version.criteria}

    draft_id, protocol, criteria = in_app(draft)
    assert protocol == in_app(lambda: db.session.get(RubricVersion, version_id).interview)
    renamed = client.post(f"/rubrics/criteria/{criteria['C1']}/edit",
                          data=criterion_form(code="C1a", levels=5, min_pass_level="2"))
    assert renamed.status_code == 302
    assert client.post(f"/rubrics/criteria/{criteria['C3']}/delete").status_code == 302
    assert [p["code"] for p in in_app(lambda: db.session.get(RubricVersion, draft_id)
                                      .interview["criteria"])] == ["C1a"]
    published = client.post(f"/rubrics/versions/{draft_id}/publish", data={"confirm": "y"},
                            follow_redirects=True)
    assert "Version published." in published.get_data(as_text=True)
    assert in_app(lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(Criterion)
        .where(Criterion.version_id == draft_id))) == 2


def test_the_version_page_shows_the_protocol(admin_client, in_app):
    version_id = in_app(lambda: import_rubric(with_protocol(PROTOCOL)).id)
    page = admin_client.get(f"/rubrics/versions/{version_id}").get_data(as_text=True)
    protocol = page[page.index('class="interview-protocol"'):page.index("</section>",
                                                                     page.index("interview-protocol"))]
    assert "The interview is optional" in protocol
    assert "<strong>C1</strong>. Criterion C1" in protocol and "And then?" in protocol
    admin_client.post("/language/ru", data={})
    assert "А потом?" in admin_client.get(f"/rubrics/versions/{version_id}").get_data(
        as_text=True)


def test_publishing_a_draft_names_the_protocol_problem_in_words(app, in_app, create_user):
    version_id = in_app(lambda: import_rubric(with_protocol(PROTOCOL)).id)
    client = app.test_client()
    login(client, create_user("admin"))
    client.post(f"/rubrics/versions/{version_id}/draft")

    def spoil():
        draft = db.session.get(RubricVersion, version_id).rubric.draft
        protocol = copy.deepcopy(draft.interview)
        protocol["criteria"][0]["questions"][0].pop("kk")
        draft.interview = protocol
        return draft.id

    draft_id = in_app(spoil)
    page = client.post(f"/rubrics/versions/{draft_id}/publish", data={"confirm": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Interview, criterion C1, question 1: the text in Kazakh is missing." in page
    assert in_app(lambda: db.session.get(RubricVersion, draft_id).state) == "draft"
