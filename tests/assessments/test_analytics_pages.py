"""Result pages, competition analytics, exports and the annual report, through the app."""

from __future__ import annotations

import base64
import io
import re

import numpy
import pandas as pd
import pytest
import sqlalchemy as sa

from assessments import scoring
from assessments.models import Competition, Decision
from assessments.readable_exports import readable
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.tabular import to_csv, to_xlsx
from certify.users.models import User
from tests.support import login


@pytest.fixture
def decided(create_user, create_competition, workflow):
    """Two KZ applications and one RU application with two reviews each; the first awarded."""
    admin = create_user("admin")
    competition_id = create_competition()
    reviewers = [create_user("reviewer", full_name=f"Secret Reviewer {i}") for i in range(2)]
    people, applications = [], []
    for branch, levels in (("KZ", (4, 3, 2)), ("KZ", (1, 2, 2)), ("RU", (2, 2, 2))):
        candidate = create_user("candidate", branch=branch,
                                affiliation="=HYPERLINK(\"http://evil\")" if branch == "RU"
                                else "Karaganda Technical University")
        application_id = workflow.submitted(competition_id, candidate, levels=(4, 4, 4))
        for reviewer in reviewers:
            workflow.review(workflow.assign(application_id, reviewer, admin), levels=levels)
        people.append(candidate)
        applications.append(application_id)
    workflow.decide(applications[0], admin, "award")
    workflow.decide(applications[1], admin, "refuse")
    return {"admin": admin, "competition": competition_id, "candidates": people,
            "applications": applications}


def test_candidate_result_after_the_decision(app, decided):
    client = app.test_client()
    login(client, decided["candidates"][0])
    page = client.get(f"/applications/{decided['applications'][0]}/result")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    image = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body).group(1)
    svg = base64.b64decode(image).decode()
    assert "<svg" in svg and "C1" in svg and "Self-assessment" in svg
    assert 'alt="Radar chart' in body
    # 4, 3, 2 by both reviewers against 40/35/25 weights: (40·4/4 + 35·3/4 + 25·2/4) = 78.75
    assert "78.8%" in body
    assert "Reviewer 1:" in body and "Secret Reviewer" not in body
    assert "you rated yourself higher" in body  # self 4 against the panel's 2 on C3


def test_candidate_waits_for_the_decision(app, create_user, create_competition, workflow):
    candidate = create_user("candidate")
    application_id = workflow.submitted(create_competition(), candidate)
    client = app.test_client()
    login(client, candidate)
    assert client.get(f"/applications/{application_id}/result").status_code == 403


def test_result_page_in_kazakh(app, decided, in_app):
    def kazakh():
        db.session.get(User, decided["candidates"][0].id).preferred_language = "kk"

    in_app(kazakh)
    client = app.test_client()
    login(client, decided["candidates"][0])
    body = client.get(f"/applications/{decided['applications'][0]}/result").get_data(
        as_text=True)
    assert '<html lang="kk">' in body
    image = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body).group(1)
    svg = base64.b64decode(image).decode()
    assert "Self-assessment" not in svg  # the chart's labels follow the page's language


def test_competition_analytics(app, decided):
    client = app.test_client()
    login(client, decided["admin"])
    body = client.get(f"/manage/competitions/{decided['competition']}/analytics").get_data(
        as_text=True)
    assert body.count('<img src="data:image/svg+xml;base64,') == 2  # histogram and box plots
    assert "Krippendorff" in body and "Reviewer severity" in body and "Reviewer load" in body
    assert "Secret Reviewer 0" in body  # staff see who reviewed


def test_coordinator_sees_only_their_branch(app, decided, create_user):
    client = app.test_client()
    login(client, create_user("coordinator", branch="RU"))
    url = f"/manage/competitions/{decided['competition']}"
    body = client.get(f"{url}/analytics").get_data(as_text=True)
    ru, kz = decided["candidates"][2], decided["candidates"][0]
    assert ru.full_name in body and kz.full_name not in body
    ratings = pd.read_csv(io.BytesIO(client.get(f"{url}/export/ratings.csv").data))
    assert set(ratings["assessment_id"]) == {decided["applications"][2]}


def test_exports_round_trip_through_pandas(app, decided):
    client = app.test_client()
    login(client, decided["admin"])
    url = f"/manage/competitions/{decided['competition']}/export"
    ratings = pd.read_csv(io.BytesIO(client.get(f"{url}/ratings.csv").data))
    assert list(ratings.columns) == ["assessment_id", "reviewer_id", "criterion_id",
                                     "criterion_code", "level"]
    assert len(ratings) == 3 * 2 * 3
    from_xlsx = pd.read_excel(io.BytesIO(client.get(f"{url}/ratings.xlsx").data))
    pd.testing.assert_frame_equal(ratings, from_xlsx)
    results = pd.read_csv(io.BytesIO(client.get(f"{url}/results.csv").data))
    assert list(results.columns) == ["assessment_id", *scoring.RESULT_COLUMNS,
                                     "outcome", "override", "confirmed"]
    assert results.set_index("assessment_id").loc[decided["applications"][0], "score"] == (
        pytest.approx(78.75))
    panel = pd.read_excel(io.BytesIO(client.get(f"{url}/panel.xlsx").data))
    assert list(panel.columns) == ["assessment_id", "criterion_id", "criterion_code",
                                   *scoring.PANEL_COLUMNS]
    assert client.get(f"{url}/ratings.pdf").status_code == 404
    assert client.get(f"{url}/secrets.csv").status_code == 404


def test_annual_report_counts_and_neutralises_formulas(app, decided):
    client = app.test_client()
    login(client, decided["admin"])

    year = utcnow().year
    page = client.get(f"/manage/reports/annual?year={year}").get_data(as_text=True)
    assert "Karaganda Technical University" in page
    workbook = pd.read_excel(io.BytesIO(client.get(
        f"/manage/reports/annual.xlsx?year={year}").data), sheet_name=None)
    assert set(workbook) == {f"{name} {year}" for name in (
        "Decisions by title", "Decisions by university", "Decisions by country",
        "Certificates issued")}
    summary = workbook[f"Decisions by title {year}"]
    assert summary.to_dict("records") == [
        {"Award title": "UNESCO Professor of Mining Engineering", "Track code": "professor",
         "Awarded": 1, "Not awarded": 1, "Total": 2}]
    certificates = workbook[f"Certificates issued {year}"]
    assert certificates.to_dict("records") == [
        {"Award title": "UNESCO Professor of Mining Engineering", "Track code": "professor",
         "Branch": "Kazakhstan branch", "Branch code": "KZ", "Issued": 1,
         "Of them revoked": 0}]
    countries = workbook[f"Decisions by country {year}"]
    assert countries[["Country", "Country code"]].to_dict("records") == [
        {"Country": "Kazakhstan", "Country code": "KZ"}]
    empty = pd.read_excel(io.BytesIO(client.get(
        "/manage/reports/annual.xlsx?year=2001").data), sheet_name=None)
    assert all(frame.empty for frame in empty.values())
    assert client.get("/manage/reports/annual?year=1800").status_code == 404


def test_spreadsheet_formulas_are_neutralised():
    frame = pd.DataFrame({"name": ["=1+1", "+cmd", "-2", "@SUM(A1)", "plain"], "n": [1, 2, 3,
                                                                                       4, 5]})
    text = to_csv(frame).decode()
    assert "'=1+1" in text and "'+cmd" in text and "'-2" in text and "'@SUM(A1)" in text
    assert "\nplain," in text
    back = pd.read_excel(io.BytesIO(to_xlsx({"sheet": frame})))
    assert back["name"].tolist() == ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "plain"]
    assert back["n"].tolist() == [1, 2, 3, 4, 5]


def test_decision_records_what_it_was_computed_from(decided, in_app):
    def load():
        decision = db.session.scalar(sa.select(Decision).order_by(Decision.id))
        return decision.engine_version, len(decision.ratings_hash or ""), decision.score

    assert in_app(load) == (scoring.ENGINE_VERSION, 64, pytest.approx(78.75))


def test_candidate_downloads_feedback(app, decided):
    client = app.test_client()
    login(client, decided["candidates"][0])
    response = client.get(f"/applications/{decided['applications'][0]}/feedback.csv")
    assert response.status_code == 200
    frame = pd.read_csv(io.BytesIO(response.data))
    assert list(frame.columns[:5]) == ["Criterion", "Criterion code", "Weight, %",
                                       "Self-assessed level", "Mean level"]
    assert frame["Criterion code"].tolist() == ["C1", "C2", "C3"]
    assert frame["Reviewer 1: level"].tolist() == [4, 3, 2]
    assert "Secret Reviewer" not in response.get_data(as_text=True)
    other = app.test_client()
    login(other, decided["candidates"][1])
    assert other.get(f"/applications/{decided['applications'][0]}/feedback.csv"
                     ).status_code == 403


def test_every_csv_download_says_text_csv_utf8_once(app, decided):
    """feedback.csv answered "text/csv; charset=utf-8; charset=utf-8" (issue 14)."""
    admin = app.test_client()
    login(admin, decided["admin"])
    url = f"/manage/competitions/{decided['competition']}/export"
    candidate = app.test_client()
    login(candidate, decided["candidates"][0])
    responses = [admin.get(f"{url}/{kind}.csv") for kind in ("ratings", "panel", "results")]
    responses.append(candidate.get(f"/applications/{decided['applications'][0]}/feedback.csv"))
    for response in responses:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    results = responses[2].get_data(as_text=True)
    assert "=HYPERLINK" not in results.replace("'=HYPERLINK", "")  # the RU affiliation


def test_exports_for_people_speak_the_exporters_language(app, decided, in_app):
    """Headers, criteria, reviewers and decisions in words, codes as columns of their own
    (issue 16); the machine-readable files are unchanged beside them."""
    in_app(lambda: setattr(db.session.get(User, decided["admin"].id), "preferred_language",
                           "ru"))
    client = app.test_client()
    login(client, decided["admin"])
    url = f"/manage/competitions/{decided['competition']}/export"
    ru = {"Accept-Language": "ru"}
    answer = client.get(f"{url}/results.csv?for=people", headers=ru)
    assert answer.headers["Content-Disposition"].endswith(
        f'competition-{decided["competition"]}-results-ru.csv"')
    results = pd.read_csv(io.BytesIO(answer.data), keep_default_na=False)
    assert list(results.columns)[:3] == ["Номер заявки", "Балл, %", "Все экспертизы получены"]
    assert "True" not in answer.get_data(as_text=True)
    first = results.set_index("Номер заявки").loc[decided["applications"][0]]
    assert (first["Решение"], first["Окончательное"], first["Все экспертизы получены"]) == (
        "Присвоено", "Да", "Да")
    assert first["Балл, %"] == pytest.approx(78.75)

    ratings = pd.read_excel(io.BytesIO(client.get(f"{url}/ratings.xlsx?for=people",
                                                  headers=ru).data))
    assert list(ratings.columns) == ["Номер заявки", "Эксперт", "Критерий", "Код критерия",
                                     "Уровень"]
    assert set(ratings["Эксперт"]) == {"Secret Reviewer 0", "Secret Reviewer 1"}
    assert set(ratings["Код критерия"]) == {"C1", "C2", "C3"}
    assert not set(ratings["Критерий"]) & {"C1", "C2", "C3"}  # titles, not ids or codes

    page = client.get(f"/manage/competitions/{decided['competition']}/analytics")
    assert "for=people" in page.get_data(as_text=True)


def test_numpy_cells_read_as_words_and_rounded_figures(decided, in_app):
    """pandas hands the exports numpy scalars: yes/no in words, figures rounded, a missing
    figure left blank, whatever the numpy type."""
    def convert():
        competition = db.session.get(Competition, decided["competition"])
        _, rows = readable(competition, ["complete", "score", "n"], [
            [numpy.bool_(False), numpy.float32(78.756), numpy.int64(3)],
            [numpy.bool_(True), numpy.float32("nan"), numpy.int32(2)]])
        return [[(type(cell), cell) for cell in row] for row in rows]

    assert in_app(convert) == [[(str, "No"), (float, 78.76), (int, 3)],
                               [(str, "Yes"), (str, ""), (int, 2)]]


READ_IN = {  # what the annual report and the feedback say in Russian and Kazakh
    "ru": {"sheets": ("Решения по званиям", "Решения по университетам", "Решения по странам",
                      "Выданные сертификаты"),
           "summary": {"Звание": "Профессор ЮНЕСКО горного дела",
                       "Код направления": "professor", "Присвоено": 1, "Не присвоено": 1,
                       "Всего": 2},
           "certificates": {"Звание": "Профессор ЮНЕСКО горного дела",
                            "Код направления": "professor", "Филиал": "Казахстанский филиал",
                            "Код филиала": "KZ", "Выдано": 1, "Из них отозвано": 0},
           "country": {"Страна": "Казахстан", "Код страны": "KZ"},
           "feedback": ["Критерий", "Код критерия", "Вес, %", "Уровень по самооценке",
                        "Средний уровень", "Эксперт 1: уровень", "Эксперт 1: комментарий"]},
    "kk": {"sheets": ("Атақтар бойынша шешімдер", "ЖОО бойынша шешімдер",
                      "Елдер бойынша шешімдер", "Берілген сертификаттар"),
           "summary": {"Атақ": "ЮНЕСКО тау-кен ісі профессоры", "Бағыт коды": "professor",
                       "Берілді": 1, "Берілмеді": 1, "Барлығы": 2},
           "certificates": {"Атақ": "ЮНЕСКО тау-кен ісі профессоры",
                            "Бағыт коды": "professor", "Филиал": "Қазақстан филиалы",
                            "Филиал коды": "KZ", "Берілді": 1,
                            "Оның ішінде күші жойылғаны": 0},
           "country": {"Ел": "Қазақстан", "Ел коды": "KZ"},
           "feedback": ["Критерий", "Критерий коды", "Салмағы, %", "Өзін-өзі бағалау деңгейі",
                        "Орташа деңгей", "Сарапшы 1: деңгей", "Сарапшы 1: түсініктеме"]},
}
RAW = {"professor", "engineer", "award", "refuse", "KZ", "True", "False"}


def _words(frame: pd.DataFrame, codes: set[str]) -> set:
    """Every header and cell of ``frame`` outside its code columns."""
    kept = frame.drop(columns=[c for c in frame.columns if c in codes])
    return set(kept.columns) | set(kept.to_numpy().ravel().tolist())


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_annual_report_and_the_feedback_read_in_the_readers_language(app, decided, in_app,
                                                                          language):
    """Headers, titles, branches, countries and decisions in words; the track, branch and
    country codes only as columns of their own (issue 16)."""
    def prefer():
        for person in (decided["admin"], decided["candidates"][0]):
            db.session.get(User, person.id).preferred_language = language

    in_app(prefer)
    expected, year = READ_IN[language], utcnow().year
    admin = app.test_client()
    login(admin, decided["admin"])
    workbook = pd.read_excel(io.BytesIO(admin.get(
        f"/manage/reports/annual.xlsx?year={year}").data), sheet_name=None)
    assert list(workbook) == [f"{name} {year}" for name in expected["sheets"]]
    summary, by_university, by_country, certificates = workbook.values()
    assert summary.to_dict("records") == [expected["summary"]]
    assert certificates.to_dict("records") == [expected["certificates"]]
    assert by_country[list(expected["country"])].to_dict("records") == [expected["country"]]
    codes = {name for name in (*expected["summary"], *expected["certificates"],
                               *expected["country"]) if name.startswith("Код") or
             name.endswith("коды")}
    for sheet in workbook.values():
        assert not _words(sheet, codes) & RAW

    candidate = app.test_client()
    login(candidate, decided["candidates"][0])
    feedback = pd.read_csv(io.BytesIO(candidate.get(
        f"/applications/{decided['applications'][0]}/feedback.csv").data))
    assert list(feedback.columns[:7]) == expected["feedback"]
    assert feedback[expected["feedback"][1]].tolist() == ["C1", "C2", "C3"]
    assert not set(feedback[expected["feedback"][0]]) & {"C1", "C2", "C3"}
    assert not {"criterion_code", "self_level", "reviewer_1_level"} & set(feedback.columns)
