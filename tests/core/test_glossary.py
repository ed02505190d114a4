"""One glossary, correct words (issue 18): the catalogs and the rubric files use the
glossary's terms, the strings the fluent reader found stay fixed, and official names come
from one place.

The glossary is certify/translations/glossary.json (human-readable: docs/glossary.md).

The shipped v1 rubric files (rubrics/library/cme.json, upme.json) are NOT checked: they are
published versions whose content hashes are pinned (tests/rubrics/test_io.py) and kept
unchanged for reproducibility; their wording is corrected in the v2 files (*.v2.json), which
are checked, and so is any later version added to the library.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = json.loads((ROOT / "certify" / "translations" / "glossary.json").read_text("utf-8"))
LIBRARY = ROOT / "rubrics" / "library"
# Published v1: immutable, hash-pinned; excluded from the forbidden-variant check.
FROZEN_V1 = {"cme.json", "upme.json"}
LANGUAGES = ["ru", "kk"]


def _forbidden(language):
    return [(term["key"], rule["pattern"], re.compile(rule["pattern"], re.IGNORECASE))
            for term in GLOSSARY["terms"] for rule in term[language]["forbidden"]]


def _catalog(language):
    """msgid -> msgstr (plural forms joined) of the language's catalog."""
    path = ROOT / "certify" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    strings = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string
        strings[msgid] = " | ".join(string) if isinstance(string, tuple) else string
    return strings


def _rubric_strings(language, path):
    """(where, English text, text in *language*) of every translated string in a rubric file."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get(language), str) and "en" in node:
                found.append((where, node["en"], node[language]))
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(json.loads(path.read_text("utf-8")), path.name)
    return found


def _checked_rubric_files():
    return sorted(path for path in LIBRARY.glob("*.json") if path.name not in FROZEN_V1)


def _criterion(name, code):
    document = json.loads((LIBRARY / name).read_text("utf-8"))
    return next(c for c in document["version"]["criteria"] if c["code"] == code)


def test_glossary_covers_the_platforms_terms():
    keys = {term["key"] for term in GLOSSARY["terms"]}
    assert {"criterion", "level", "self_assessment", "review", "reviewer", "competition",
            "application", "band", "band_names", "title", "certificate", "revoke", "suspend",
            "withdraw", "renew", "appeal", "complaint", "interview", "referee", "evidence",
            "calibration", "exemplar", "centre"} <= keys
    for term in GLOSSARY["terms"]:
        assert term["en"] and all(term[language]["use"] for language in LANGUAGES), term


def test_v1_rubrics_are_excluded_and_the_rest_is_checked():
    names = {path.name for path in _checked_rubric_files()}
    assert {"cme.v2.json", "upme.v2.json"} <= names and not names & FROZEN_V1


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalog_msgstr_uses_a_forbidden_variant(language):
    rules = _forbidden(language)
    problems = [f"{key}: {pattern!r} in msgid {msgid!r}: {string!r}"
                for msgid, string in _catalog(language).items()
                for key, pattern, rule in rules if rule.search(string)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_rubric_file_uses_a_forbidden_variant(language):
    rules = _forbidden(language)
    problems = [f"{key}: {pattern!r} at {where} (en: {english[:60]!r}): {text!r}"
                for path in _checked_rubric_files()
                for where, english, text in _rubric_strings(language, path)
                for key, pattern, rule in rules if rule.search(text)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", {"expertise", "financial_viability", "band_names", "centre"}),
    ("kk", {"criterion", "interview", "referee", "financial_viability", "band_names",
            "under_represented", "cycle", "centre"}),
])
def test_the_rules_find_what_the_reader_found_in_the_frozen_v1(language, expected):
    """v1 is excluded because it cannot change, not because it is clean: run on it, the rules
    report the reader's findings."""
    found = {key for name in FROZEN_V1
             for _, _, text in _rubric_strings(language, LIBRARY / name)
             for key, _, rule in _forbidden(language) if rule.search(text)}
    assert expected <= found


# The strings the fluent reader found: (language, msgid, phrase that must be gone,
# phrase that must be there).
READER_FINDINGS = [
    ("kk", "Certificate %(number)s revoked.", "кері қайтарылды", "күші жойылды"),
    ("kk", "Revoked", "Кері қайтарылған", "Күші жойылған"),
    ("kk", "Revoke", "Кері қайтару", "Күшін жою"),
    ("kk", "Not revoked", "Кері қайтарылмаған", "Күші жойылмаған"),
    ("kk", "This certificate has been revoked and is no longer valid.", "кері қайтарылған",
     "күші жойылған"),
    ("kk", "Upheld – certificate withdrawn", "кері қайтарылды", "күші жойылды"),
    ("ru", "Before your certificate expires, send a record of your continuing professional "
     "development. When it is approved, a renewed certificate continues this one.",
     "продолжит продлённый", "на смену этому сертификату будет выдан продлённый"),
    ("kk", "%(done)d of %(total)d criteria", "критерийдің", "%(total)d критерийден %(done)d"),
    ("kk", "%(done)d of %(total)d criteria completed", "критерийдің", "критерийден %(done)d"),
    ("ru", "Interview recorded.", "Собеседование записано", "Итоги собеседования внесены"),
    ("ru", "Record the interview", "Записать собеседование", "Внести итоги собеседования"),
    ("ru", "Full name in native script (optional)", "на родном языке",
     "на национальном алфавите"),
    ("ru", "Name, name in native script, e-mail, affiliation", "на родном языке",
     "на национальном алфавите"),
    ("kk", "Full name in native script (optional)", "Ана тіліндегі", "Ұлттық әліпбимен"),
    ("kk", "Name, name in native script, e-mail, affiliation", "ана тіліндегі",
     "ұлттық әліпбимен"),
    ("kk", "Appeal of %(date)s", "%(date)s апелляциясы", "%(date)s күнгі апелляция"),
    ("ru", "The engineer track needs an interview of about an hour with the reviewers before "
     "the decision.", "трека", "направления инженеров"),
    ("ru", "Record the candidate's interview before deciding (engineer track).", "трек",
     "направление инженеров"),
    ("ru", "International Competence Centre for Mining-Engineering Education and its "
     "national branches.", "горно-инженерном", "в горнотехническом образовании"),
]


@pytest.mark.parametrize(("language", "msgid", "bad", "good"), READER_FINDINGS)
def test_reader_finding_is_fixed_in_the_catalog(language, msgid, bad, good):
    string = _catalog(language)[msgid]
    assert bad not in string and good in string, string


# Rubric findings live in v1 (frozen) and are fixed in v2: (file, criterion or None for the
# rubric's note, path inside it, language, bad, good).
def _text(name, code, *path):
    node = (_criterion(name, code) if code
            else json.loads((LIBRARY / name).read_text("utf-8"))["version"])
    for step in path:
        node = node[step]
    return node


RUBRIC_FINDINGS = [
    # "expertise" is «компетентность», not «экспертиза» (= review).
    ("upme.v2.json", "P1", ("title",), "ru", "экспертиза", "Предметная компетентность"),
    ("upme.v2.json", "P1", ("section",), "ru", "экспертиза", "Профессиональная компетентность"),
    # E10 level 4 "represents" is «атынан өкілдік етеді», not «таныстырады» ("introduces").
    ("cme.v2.json", "E10", ("levels", 4, "descriptor"), "kk", "таныстырады",
     "атынан сыртқы ортада өкілдік етеді"),
    # Financial viability is «экономическая состоятельность» / «экономикалық өміршеңдік».
    ("cme.v2.json", "E8", ("title",), "ru", "эффективность", "Экономическая состоятельность"),
    ("cme.v2.json", "E8", ("title",), "kk", "тиімділік", "Экономикалық өміршеңдік"),
    ("cme.v2.json", None, ("note",), "kk", "экономикалық тиімділік", "экономикалық өміршеңдік"),
    # Band names are not left in English.
    ("cme.v2.json", None, ("bands", 0, "title"), "ru", "Professional", "профессиональный уровень"),
    ("cme.v2.json", None, ("bands", 1, "title"), "ru", "Fellow", "высший уровень"),
    ("cme.v2.json", None, ("bands", 0, "title"), "kk", "Professional", "кәсіби деңгей"),
    ("cme.v2.json", None, ("bands", 1, "title"), "kk", "Fellow", "жоғары деңгей"),
    # The Centre is «…в горнотехническом образовании».
    ("upme.v2.json", None, ("note",), "ru", "горно-инженерн", ""),
]


@pytest.mark.parametrize(("name", "code", "path", "language", "bad", "good"), RUBRIC_FINDINGS)
def test_reader_finding_is_fixed_in_rubric_v2(name, code, path, language, bad, good):
    text = _text(name, code, *path)[language]
    assert bad not in text and good in text, text


def test_under_represented_groups_in_upme_v2():
    texts = [text for where, english, text in _rubric_strings("kk", LIBRARY / "upme.v2.json")
             if "under-represented" in english]
    assert texts and all("аз ұсынылған" in text and "аз қамтылған" not in text
                         for text in texts)


def test_cycle_takes_front_vowels_in_kazakh():
    texts = [text for path in _checked_rubric_files()
             for _, english, text in _rubric_strings("kk", path) if "cycle" in english.lower()]
    assert all("циклды" not in text for text in texts)


def _centre(language):
    term = next(t for t in GLOSSARY["terms"] if t["key"] == "centre")
    return term["en"] if language == "en" else term[language]["use"]


def test_the_centres_official_name_in_configuration_is_the_glossarys(app):
    assert app.config["ISSUER_NAME"] == {language: _centre(language)
                                         for language in ("en", "ru", "kk")}


# Published privacy notices are frozen legal texts (certify/users/privacy.py publishes a new
# version instead of editing one); they are the only templates allowed to spell the name.
PUBLISHED = ROOT / "templates" / "privacy"


def test_templates_do_not_retype_official_names():
    official = [_centre("en"), _centre("ru"), _centre("kk"), "горно-инженерн",
                "Тау-кен инженерлік білім"]
    for name in ("cme.v2.json", "upme.v2.json"):
        document = json.loads((LIBRARY / name).read_text("utf-8"))
        official += list(document["title"].values())
        official += [title for band in document["version"]["bands"]
                     for title in band["title"].values()]
    retyped = [f"{path.relative_to(ROOT)}: {name}"
               for path in (ROOT / "templates").rglob("*.html") if PUBLISHED not in path.parents
               for name in official if name.lower() in path.read_text("utf-8").lower()]
    assert retyped == []


def test_code_does_not_retype_the_centres_name():
    """Only the configuration spells it; the API description, pages and PDFs ask for it."""
    config = ROOT / "certify" / "web" / "config.py"
    names = [_centre(language) for language in ("en", "ru", "kk")]
    retyped = [f"{path.relative_to(ROOT)}: {name}"
               for package in ("certify", "rubrics", "assessments")
               for path in (ROOT / package).rglob("*.py") if path != config
               for name in names if name in path.read_text("utf-8")]
    assert retyped == []


def test_the_glossary_page_lists_every_term():
    page = (ROOT / "docs" / "glossary.md").read_text("utf-8")
    missing = [term["key"] for term in GLOSSARY["terms"]
               if term["en"].replace("|", "\\|") not in page
               or any(term[language]["use"].replace("|", "\\|") not in page
                      for language in LANGUAGES)]
    assert missing == [], "regenerate the table in docs/glossary.md from glossary.json"


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_footer_names_the_centre_from_configuration(app, language):
    page = app.test_client().get("/competitions/", headers={"Accept-Language": language})
    assert f"{app.config['ISSUER_NAME'][language]} " in page.get_data(as_text=True)
