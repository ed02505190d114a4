"""The review form shows, per criterion, what a reviewer needs to score alike (issue 18,
reviewer calibration): the must-pass flag and level, the evidence the rubric asks for, and an
exemplar of each level — here on UPME v2, whose every level has one."""

from __future__ import annotations

import html
import re

import pytest

from rubrics.io import LIBRARY, import_library, load_file
from tests.support import login

UPME = load_file(LIBRARY / "upme.v2.json")
BY_CODE = {c["code"]: c for c in UPME["version"]["criteria"]}


@pytest.fixture
def rubric_version(in_app):
    """Competitions of this module use UPME v2 (overrides the small rubric of conftest)."""
    return in_app(lambda: {v.label: v.id for v in import_library()}["UPME v2"])


@pytest.fixture
def review_page(app, create_user, create_competition, workflow):
    admin = create_user("admin")
    candidate = create_user("candidate")
    competition = create_competition()

    def page(language="en"):
        reviewer = create_user("reviewer", language=language)
        application = workflow.start(competition, candidate)
        workflow.fill(application, levels=(3,) * len(BY_CODE))
        workflow.submit(application, candidate)
        review = workflow.assign(application, reviewer, admin)
        client = app.test_client()
        login(client, reviewer)
        response = client.get(f"/reviews/{review}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return page


def fieldset(page: str, code: str) -> str:
    """The part of the review form about one criterion."""
    start = page.index(f"<legend>{code}. ")
    return page[start:page.index("</fieldset>", start)]


def test_each_criterion_shows_must_pass_evidence_and_exemplars(review_page):
    page = review_page()
    for code, criterion in BY_CODE.items():
        part = html.unescape(fieldset(page, code))
        if criterion["min_pass_level"] is not None:
            assert "Must-pass: level 2 or above from every reviewer." in part, code
            assert "Not must-pass" not in part
        else:
            assert re.search(r"Not must-pass: weighs \d+\s?% of the score\.", part), code
            assert "The panel's mean level must still reach 2." in part
        assert "Evidence the rubric asks for:" in part
        assert criterion["evidence"]["en"] in part, code
        assert part.count('<details class="exemplars">') == 1
        for level in criterion["levels"]:
            assert level["exemplar"]["en"] in part, (code, level["value"])
    # P1, P3, P8 are must-pass and say so; P2 is not.
    assert "Must-pass" in fieldset(page, "P8") and "Must-pass" not in fieldset(page, "P2")


def test_the_brief_needs_no_inline_script_or_style(review_page):
    """The strict CSP forbids inline script and style: <details> opens without either."""
    page = review_page()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page and "onclick" not in page


def test_the_brief_is_in_the_reviewer_language(review_page):
    part = html.unescape(fieldset(review_page("ru"), "P14"))
    assert "Обязательный критерий: уровень не ниже 2 от каждого эксперта." in part
    assert "Подтверждающие материалы, которых требует рубрика:" in part
    assert BY_CODE["P14"]["evidence"]["ru"] in part
    assert "Примеры по уровням" in part
    assert BY_CODE["P14"]["levels"][2]["exemplar"]["ru"] in part


def test_the_reviewer_preview_shows_the_same_brief(admin_client, rubric_version):
    page = html.unescape(admin_client.get(
        f"/rubrics/versions/{rubric_version}/preview?lang=kk&as=reviewer").get_data(as_text=True))
    assert "Міндетті критерий: әр сарапшыдан кемінде 2-деңгей." in page
    assert BY_CODE["P8"]["evidence"]["kk"] in page
    assert BY_CODE["P8"]["levels"][4]["exemplar"]["kk"] in page
    assert page.count('<details class="exemplars">') == len(BY_CODE)
