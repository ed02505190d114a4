"""Rubric files: validation, content hash, import of documents and of the shipped library."""

from __future__ import annotations

import copy
import hashlib
import json
import re

import pytest
import sqlalchemy as sa

from certify.core.errors import DomainError
from certify.core.extensions import db
from rubrics.io import (
    LIBRARY,
    RubricFileError,
    content_hash,
    import_library,
    import_rubric,
    library_files,
    load_file,
    normalize_version,
    validate,
)
from rubrics.models import Criterion, Level, Rubric, RubricVersion, VersionState
from tests.support import SMALL_RUBRIC

HEX64 = re.compile(r"[0-9a-f]{64}")
LIBRARY_FILES = ("upme.json", "cme.json")  # version 1 of each, kept for reproducibility
V2_FILES = ("upme.v2.json", "cme.v2.json")
ALL_FILES = LIBRARY_FILES + V2_FILES
# The content hashes of the shipped version 1 of each rubric: decisions recorded against them
# must keep verifying, so neither the files nor the canonical form may move them.
V1_HASHES = {
    "upme.json": "8ce09d3478d1601c6a27e1c743c2177393fb1263f76a018eee284c6788cf16fb",
    "cme.json": "f7c9a5c93b32b20b174f2a6a3b71914740e051a4c5beebf78b01abfbea46a117",
}


def small() -> dict:
    return copy.deepcopy(SMALL_RUBRIC)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts(in_app) -> dict[str, int]:
    return in_app(lambda: {
        "rubrics": count(Rubric), "versions": count(RubricVersion),
        "criteria": count(Criterion), "levels": count(Level),
    })


def reorder_keys(value):
    """The same document with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: reorder_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reorder_keys(item) for item in value]
    return value


def language_texts(value, path="(root)"):
    """Every {en, ru, kk} object in a document, with its path."""
    if isinstance(value, dict):
        if {"en", "ru", "kk"} & set(value):
            yield path, value
            return
        for key, item in value.items():
            yield from language_texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from language_texts(item, f"{path}[{i}]")


# --- the shipped library --------------------------------------------------------------------


@pytest.fixture(params=ALL_FILES)
def library_document(request) -> dict:
    return load_file(LIBRARY / request.param)


def test_library_holds_the_two_rubrics_in_two_versions_each():
    assert sorted(path.name for path in LIBRARY.glob("*.json")) == sorted(ALL_FILES)
    # Each rubric's versions in order, so that the file of version 1 becomes version 1.
    assert [path.name for path in library_files()] == [
        "cme.json", "cme.v2.json", "upme.json", "upme.v2.json"]


@pytest.mark.parametrize("name", LIBRARY_FILES)
def test_version_1_keeps_its_content_hash(name):
    """Exemplars are a new optional key: version 1, written without them, hashes as before."""
    document = load_file(LIBRARY / name)
    assert content_hash(normalize_version(document["version"])) == V1_HASHES[name]


def test_library_file_validates(library_document):
    assert validate(library_document) == []


def test_library_file_has_criteria_weighing_100(library_document):
    criteria = library_document["version"]["criteria"]
    assert len(criteria) in (12, 14)  # UPME v2 splits P8 into P8, P13 and P14
    assert sum(c["weight"] for c in criteria) == 100
    assert len({c["code"] for c in criteria}) == len(criteria)


def test_library_file_levels_run_from_0_to_4(library_document):
    for criterion in library_document["version"]["criteria"]:
        assert [level["value"] for level in criterion["levels"]] == [0, 1, 2, 3, 4]
        gate = criterion.get("min_pass_level")
        assert gate is None or 0 <= gate <= 4


def test_library_file_has_all_three_languages_everywhere(library_document):
    texts = list(language_texts(library_document))
    # title, description, eligibility, and per criterion title, section, guidance and
    # a label and a descriptor per level.
    assert len(texts) >= 2 + 12 * (1 + 5 * 2)
    for path, text in texts:
        assert set(text) == {"en", "ru", "kk"}, path
        for language in ("en", "ru", "kk"):
            assert isinstance(text[language], str) and text[language].strip(), (
                f"{path}.{language}"
            )


def test_library_tracks_and_codes():
    upme, cme = (load_file(LIBRARY / name) for name in LIBRARY_FILES)
    assert (upme["code"], upme["track"]) == ("UPME", "professor")
    assert (cme["code"], cme["track"]) == ("CME", "engineer")


def test_cme_must_pass_criteria():
    cme = load_file(LIBRARY / "cme.json")
    gated = {c["code"] for c in cme["version"]["criteria"] if c.get("min_pass_level") is not None}
    assert {"E5", "E6", "E7"} <= gated


def test_import_library_creates_two_published_versions_of_each(in_app):
    def work():
        versions = import_library()
        return [
            (v.id, v.rubric.code, v.rubric.track, v.number, v.state, v.content_hash,
             v.published_at is not None, len(v.criteria), v.pass_threshold)
            for v in versions
        ]

    imported = in_app(work)
    assert len(imported) == 4
    by_file = {(row[1], row[3]): row for row in imported}
    files = {("UPME", 1): "upme.json", ("CME", 1): "cme.json",
             ("UPME", 2): "upme.v2.json", ("CME", 2): "cme.v2.json"}
    assert set(by_file) == set(files)
    for key, name in files.items():
        _, _, _, number, state, digest, published, n_criteria, threshold = by_file[key]
        document = load_file(LIBRARY / name)
        assert state == VersionState.published
        assert HEX64.fullmatch(digest)
        assert digest == content_hash(normalize_version(document["version"]))
        assert published
        assert n_criteria == len(document["version"]["criteria"])
        assert threshold == float(document["version"]["pass_threshold"])
    assert by_file["UPME", 1][5] == V1_HASHES["upme.json"]
    assert by_file["CME", 1][5] == V1_HASHES["cme.json"]
    assert len({row[5] for row in imported}) == 4
    assert counts(in_app) == {"rubrics": 2, "versions": 4, "criteria": 12 + 12 + 14 + 12,
                              "levels": 5 * (12 + 12 + 14 + 12)}


def test_import_library_twice_is_idempotent(in_app):
    first = in_app(lambda: [v.id for v in import_library()])
    second = in_app(lambda: [v.id for v in import_library()])
    assert first == second
    assert counts(in_app)["versions"] == 4


# --- importing a document -------------------------------------------------------------------


def test_import_stores_the_document(in_app):
    def work():
        version = import_rubric(small())
        return {
            "code": version.rubric.code,
            "track": version.rubric.track,
            "title": version.rubric.title,
            "number": version.number,
            "threshold": version.pass_threshold,
            "eligibility": version.eligibility,
            "criteria": [
                (c.code, c.position, c.weight, c.min_pass_level, c.evidence_required,
                 [level.value for level in c.levels], c.max_level)
                for c in version.criteria
            ],
            "descriptor": version.criteria[1].levels[2].descriptor,
        }

    stored = in_app(work)
    assert stored["code"] == "TEST-P"
    assert stored["track"] == "professor"
    assert stored["title"] == SMALL_RUBRIC["title"]
    assert stored["number"] == 1
    assert stored["threshold"] == 50.0
    assert stored["eligibility"] == SMALL_RUBRIC["version"]["eligibility"]
    assert stored["criteria"] == [
        ("C1", 1, 40.0, 2, True, [0, 1, 2, 3, 4], 4),
        ("C2", 2, 35.0, None, False, [0, 1, 2, 3, 4], 4),
        ("C3", 3, 25.0, None, False, [0, 1, 2, 3, 4], 4),
    ]
    assert stored["descriptor"] == {
        "en": "C2 at level 2", "ru": "C2 на уровне 2", "kk": "C2 2 деңгейде",
    }


def test_importing_the_same_document_twice_returns_the_same_version(in_app):
    first = in_app(lambda: import_rubric(small()).id)
    second = in_app(lambda: import_rubric(small()).id)
    assert first == second
    assert counts(in_app)["rubrics"] == 1
    assert counts(in_app)["versions"] == 1


def test_importing_twice_in_one_session_returns_the_same_version(in_app):
    def work():
        return import_rubric(small()).id, import_rubric(reorder_keys(small())).id

    first, second = in_app(work)
    assert first == second
    assert counts(in_app)["versions"] == 1


def test_changed_content_becomes_version_2(in_app):
    def describe(document):
        def work():
            version = import_rubric(document)
            return version.id, version.number, version.content_hash, version.rubric_id
        return work

    original = in_app(describe(small()))
    changed_document = small()
    changed_document["version"]["criteria"][0]["levels"][3]["descriptor"]["en"] = "Reworded"
    changed = in_app(describe(changed_document))

    assert original[1] == 1
    assert changed[1] == 2
    assert changed[0] != original[0]
    assert changed[2] != original[2]
    assert HEX64.fullmatch(changed[2])
    assert changed[3] == original[3]  # the same rubric
    assert counts(in_app)["rubrics"] == 1
    assert counts(in_app)["versions"] == 2
    # Importing the original again finds version 1, not a third version.
    assert in_app(describe(small())) == original
    assert counts(in_app)["versions"] == 2


def test_invalid_document_raises_and_writes_nothing(in_app):
    document = small()
    del document["version"]["criteria"][1]["levels"][2]["descriptor"]["kk"]
    document["version"]["criteria"][0]["weight"] = 0

    def work():
        with pytest.raises(RubricFileError) as caught:
            import_rubric(document)
        return caught.value.problems

    problems = in_app(work)
    assert problems == validate(document)
    assert len(problems) == 2
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Rubric.id)))) == 0
    assert counts(in_app) == {"rubrics": 0, "versions": 0, "criteria": 0, "levels": 0}


def test_invalid_new_version_leaves_the_existing_one_alone(in_app):
    in_app(lambda: import_rubric(small()).id)
    document = small()
    document["version"]["pass_threshold"] = 150
    with pytest.raises(RubricFileError, match="version.pass_threshold"):
        in_app(lambda: import_rubric(document))
    assert counts(in_app) == {"rubrics": 1, "versions": 1, "criteria": 3, "levels": 15}


def test_rubric_file_error_lists_its_problems():
    error = RubricFileError("a: one", "b: two")
    assert isinstance(error, DomainError)
    assert error.problems == ["a: one", "b: two"]
    assert str(error) == "a: one; b: two"


# --- content hash ---------------------------------------------------------------------------


def test_content_hash_is_sha256_of_canonical_json():
    expected = hashlib.sha256('{"a":"ü","b":[1,2]}'.encode()).hexdigest()
    assert content_hash({"b": [1, 2], "a": "ü"}) == expected


def test_content_hash_ignores_key_order():
    version = SMALL_RUBRIC["version"]
    reordered = reorder_keys(version)
    assert list(reordered) != list(version)
    assert json.dumps(reordered) != json.dumps(version)
    assert content_hash(reordered) == content_hash(version)
    assert HEX64.fullmatch(content_hash(version))


def test_content_hash_changes_with_content():
    version = small()["version"]
    changed = copy.deepcopy(version)
    changed["criteria"][2]["weight"] = 26
    reordered_list = copy.deepcopy(version)
    reordered_list["criteria"].reverse()
    hashes = {content_hash(version), content_hash(changed), content_hash(reordered_list)}
    assert len(hashes) == 3


# --- validation -----------------------------------------------------------------------------


def test_small_rubric_is_valid():
    assert validate(small()) == []


def test_missing_descriptor_text_is_named_by_its_path():
    document = small()
    del document["version"]["criteria"][1]["levels"][2]["descriptor"]["kk"]
    problems = validate(document)
    assert len(problems) == 1
    assert problems[0].startswith("criteria[1].levels[2].descriptor.kk: missing")


def test_blank_text_counts_as_missing():
    document = small()
    document["title"]["ru"] = "   "
    document["version"]["criteria"][0]["levels"][4]["label"]["en"] = ""
    assert validate(document) == [
        "title.ru: missing", "criteria[0].levels[4].label.en: missing",
    ]


def test_text_that_is_not_an_object():
    document = small()
    document["version"]["criteria"][2]["title"] = "Just English"
    assert validate(document) == [
        "criteria[2].title: expected an object with en, ru and kk texts",
    ]


def test_duplicate_criterion_code():
    document = small()
    document["version"]["criteria"][2]["code"] = "C1"
    assert validate(document) == ["criteria[2].code: 'C1' is used twice"]


def test_missing_criterion_code():
    document = small()
    del document["version"]["criteria"][0]["code"]
    assert validate(document) == ["criteria[0].code: missing"]


@pytest.mark.parametrize("values", [[0, 1, 3, 4, 5], [1, 2, 3, 4, 5], [0, 1, 2, 4, 3],
                                    [0, 0, 1, 2, 3]])
def test_non_contiguous_level_values(values):
    document = small()
    for level, value in zip(document["version"]["criteria"][1]["levels"], values, strict=True):
        level["value"] = value
    assert validate(document) == ["criteria[1].levels: values must be 0, 1, 2, … in order"]


@pytest.mark.parametrize("weight", [0, -5, "10", None])
def test_bad_weight(weight):
    document = small()
    document["version"]["criteria"][0]["weight"] = weight
    assert validate(document) == ["criteria[0].weight: expected a number greater than 0"]


@pytest.mark.parametrize("keep", [0, 1])
def test_fewer_than_two_levels(keep):
    document = small()
    criterion = document["version"]["criteria"][2]
    criterion["levels"] = criterion["levels"][:keep]
    assert validate(document) == ["criteria[2].levels: expected at least two levels"]


def test_two_levels_are_enough():
    document = small()
    for criterion in document["version"]["criteria"]:
        criterion["levels"] = criterion["levels"][:2]
        criterion["min_pass_level"] = None
    assert validate(document) == []


@pytest.mark.parametrize("gate", [5, -1, "2", 1.5])
def test_gate_outside_the_criterions_levels(gate):
    document = small()
    document["version"]["criteria"][0]["min_pass_level"] = gate
    assert validate(document) == ["criteria[0].min_pass_level: expected a level of this criterion"]


@pytest.mark.parametrize("fmt", ["certify-rubric/2", "", None, 1])
def test_bad_format(fmt):
    document = small()
    document["format"] = fmt
    assert validate(document) == ["format: expected 'certify-rubric/1'"]


def test_missing_format():
    document = small()
    del document["format"]
    assert validate(document) == ["format: expected 'certify-rubric/1'"]


@pytest.mark.parametrize("track", ["student", "Professor", "", None])
def test_bad_track(track):
    document = small()
    document["track"] = track
    problems = validate(document)
    assert len(problems) == 1
    assert problems[0].startswith("track: expected one of")
    assert "professor" in problems[0] and "engineer" in problems[0]


def test_engineer_track_is_valid():
    document = small()
    document["track"] = "engineer"
    assert validate(document) == []


@pytest.mark.parametrize("threshold", [-1, 100.5, "50", None])
def test_bad_pass_threshold(threshold):
    document = small()
    document["version"]["pass_threshold"] = threshold
    assert validate(document) == ["version.pass_threshold: expected a number from 0 to 100"]


@pytest.mark.parametrize("threshold", [0, 100, 62.5])
def test_pass_threshold_limits(threshold):
    document = small()
    document["version"]["pass_threshold"] = threshold
    assert validate(document) == []


def test_eligibility_text_problems():
    document = small()
    document["version"]["eligibility"].append({"code": "extra"})
    del document["version"]["eligibility"][0]["text"]["en"]
    assert validate(document) == [
        "version.eligibility[0].text.en: missing",
        "version.eligibility[1].text.en: missing",
        "version.eligibility[1].text.ru: missing",
        "version.eligibility[1].text.kk: missing",
    ]


def test_no_eligibility_is_fine():
    document = small()
    del document["version"]["eligibility"]
    assert validate(document) == []


@pytest.mark.parametrize("criteria", [[], None, "C1"])
def test_no_criteria(criteria):
    document = small()
    document["version"]["criteria"] = criteria
    assert validate(document) == ["version.criteria: expected at least one criterion"]


def test_criterion_that_is_not_an_object():
    document = small()
    document["version"]["criteria"].append("C4")
    assert validate(document) == ["criteria[3]: expected an object"]


def test_missing_version():
    document = small()
    del document["version"]
    assert validate(document) == ["version: missing"]


@pytest.mark.parametrize("document", [[], "rubric", None, 3])
def test_root_that_is_not_an_object(document):
    assert validate(document) == ["(root): expected an object"]


def test_every_problem_is_reported_at_once():
    document = small()
    document["format"] = "other"
    document["code"] = " "
    document["version"]["criteria"][0]["weight"] = 0
    document["version"]["criteria"][1]["code"] = "C1"
    del document["version"]["criteria"][2]["levels"][0]["label"]["ru"]
    assert validate(document) == [
        "format: expected 'certify-rubric/1'",
        "code: missing",
        "criteria[0].weight: expected a number greater than 0",
        "criteria[1].code: 'C1' is used twice",
        "criteria[2].levels[0].label.ru: missing",
    ]


@pytest.mark.parametrize(("key", "value", "prefix"), [
    ("eligibility", 5, "version.eligibility"),
    ("track", ["professor"], "track:"),
])
def test_malformed_values_are_reported_not_raised(key, value, prefix):
    document = small()
    if key == "track":
        document["track"] = value
    else:
        document["version"][key] = value
    problems = validate(document)
    assert any(problem.startswith(prefix) for problem in problems)


def test_nan_weight_from_a_file_is_a_problem(tmp_path):
    path = tmp_path / "rubric.json"
    text = json.dumps(small(), ensure_ascii=False).replace('"weight": 40', '"weight": NaN')
    assert '"weight": NaN' in text
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricFileError, match="NaN is not allowed"):
        load_file(path)
    document = small()
    document["version"]["criteria"][0]["weight"] = float("nan")
    assert validate(document) == ["criteria[0].weight: expected a number greater than 0"]


# --- loading files --------------------------------------------------------------------------


def test_load_file_reads_json(tmp_path):
    path = tmp_path / "rubric.json"
    path.write_text(json.dumps(SMALL_RUBRIC, ensure_ascii=False), encoding="utf-8")
    assert load_file(path) == SMALL_RUBRIC
    assert load_file(str(path)) == SMALL_RUBRIC


@pytest.mark.parametrize("text", ["not json at all", "{\"format\": ", "", "<rubric/>"])
def test_load_file_rejects_non_json(tmp_path, text):
    path = tmp_path / "rubric.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricFileError) as caught:
        load_file(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("(file): not valid JSON")


def test_load_file_rejects_a_binary_file(tmp_path):
    path = tmp_path / "rubric.json"
    path.write_bytes(b"%PDF-1.7\n\xff\xfe\x00\x01")
    with pytest.raises(RubricFileError):
        load_file(path)
