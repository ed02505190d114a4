"""A long list of numbers checked in the background (certify/certificates/bulk_jobs.py): the
bulk page and the API queue a list longer than VERIFY_JOB_ROWS, a worker checks it, and the
CSV of results is reached only through the link with the job's token, until it expires; a
short list is still answered at once (issue 17)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.jobs import BackgroundJob, JobState
from tests.support import login

UNKNOWN = "UPME-KZ-2026-999999"


@pytest.fixture
def short_direct_limit(app, monkeypatch):
    """Lists of more than two numbers go to a job."""
    monkeypatch.setitem(app.config, "VERIFY_JOB_ROWS", 2)
    monkeypatch.setitem(app.config, "VERIFY_JOB_MAX_ROWS", 5)


def the_job(in_app) -> tuple:
    """The one job's owner, state, token hash and id."""
    return in_app(lambda: db.session.execute(sa.select(
        BackgroundJob.owner_id, BackgroundJob.state, BackgroundJob.token_hash,
        BackgroundJob.id)).one())


def upload(client, *numbers):
    text = "number\n" + "\n".join(numbers) + "\n"
    return client.post("/verify/bulk", data={"file": (io.BytesIO(text.encode()), "n.csv")})


def token_of(response) -> str:
    assert response.status_code == 303, response.text
    return re.fullmatch(r".*/verify/bulk/jobs/([\w-]+)", response.headers["Location"]).group(1)


def results(download) -> list[dict]:
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    text = download.get_data(as_text=True)
    download.close()
    return list(csv.DictReader(io.StringIO(text)))


def test_a_short_list_is_still_answered_at_once(client, numbers, short_direct_limit, in_app):
    page = upload(client, *numbers)
    assert page.status_code == 200 and numbers[1] in page.text
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(BackgroundJob.id)))) == 0


def test_a_long_list_is_queued_and_its_results_fetched_with_its_token(
        client, numbers, short_direct_limit, runner, job_queue, in_app):
    token = token_of(upload(client, numbers[0], UNKNOWN, numbers[1]))
    waiting = client.get(f"/verify/bulk/jobs/{token}")
    assert waiting.status_code == 200 and "Waiting for a free worker" in waiting.text
    assert "data-job-poll" in waiting.text and "<script>" not in waiting.text
    polled = client.get(f"/verify/bulk/jobs/{token}", headers={"Accept": "application/json"})
    assert polled.get_json()["state"] == "queued"
    assert polled.get_json()["download_url"] is None and "Accept" in polled.headers["Vary"]
    assert client.get(f"/verify/bulk/jobs/{token}/results.csv").status_code == 404

    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0
    done = client.get(f"/verify/bulk/jobs/{token}", headers={"Accept": "application/json"})
    status = done.get_json()
    assert (status["state"], status["progress"], status["total"]) == ("done", 3, 3)
    assert status["download_url"].endswith(f"/verify/bulk/jobs/{token}/results.csv")
    page = client.get(f"/verify/bulk/jobs/{token}")
    assert "Download certificate-check.csv" in page.text
    rows = results(client.get(f"/verify/bulk/jobs/{token}/results.csv"))
    assert [(r["Certificate number"], r["Found"]) for r in rows] == [
        (numbers[0], "Yes"), (UNKNOWN, "No"), (numbers[1], "Yes")]
    owner_id, _state, token_hash, _id = the_job(in_app)
    assert owner_id is None and token_hash and token not in token_hash  # only its hash kept


@pytest.mark.parametrize("token", ["x", "A" * 43, "one character changed"])
def test_a_check_opens_only_with_its_own_token(client, numbers, short_direct_limit, token):
    real = token_of(upload(client, *numbers, UNKNOWN))
    assert len(results(client.get(f"/verify/bulk/jobs/{real}/results.csv"))) == 3
    if token == "one character changed":
        token = real[:-1] + ("B" if real[-1] == "A" else "A")
    for path in (f"/verify/bulk/jobs/{token}", f"/verify/bulk/jobs/{token}/results.csv"):
        assert client.get(path).status_code == 404


def test_a_checks_link_expires(app, client, numbers, short_direct_limit, in_app):
    token = token_of(upload(client, *numbers, UNKNOWN))
    assert client.get(f"/verify/bulk/jobs/{token}").status_code == 200
    in_app(lambda: db.session.execute(sa.update(BackgroundJob).values(
        created_at=utcnow() - timedelta(hours=24, minutes=1))))
    assert client.get(f"/verify/bulk/jobs/{token}").status_code == 404
    assert client.get(f"/verify/bulk/jobs/{token}/results.csv").status_code == 404


def test_a_signed_in_visitors_check_is_also_among_their_files(
        app, numbers, short_direct_limit, create_user, in_app):
    company = app.test_client()
    person = create_user("candidate")
    login(company, person)
    token_of(upload(company, *numbers, UNKNOWN))
    owner_id, state, _hash, job_id = the_job(in_app)
    assert owner_id == person.id and state == JobState.done
    assert "Check of 3 certificate numbers" in company.get("/jobs/").text
    assert results(company.get(f"/jobs/{job_id}/download"))[0]["Certificate number"] == (
        numbers[0])
    stranger = app.test_client()
    login(stranger, create_user("candidate"))
    assert stranger.get(f"/jobs/{job_id}/download").status_code == 404


def test_too_long_a_list_is_refused_and_the_form_kept(client, numbers, short_direct_limit):
    page = upload(client, *numbers, *[UNKNOWN] * 4)
    assert page.status_code == 400
    assert "Upload between 1 and 5 certificate numbers" in page.text


def test_the_api_queues_a_long_list_with_202(client, numbers, short_direct_limit, runner,
                                             job_queue):
    answer = client.post("/api/v1/certificates/bulk-verify", json=[*numbers, UNKNOWN])
    assert answer.status_code == 202
    body = answer.get_json()
    assert answer.headers["Location"] == body["status_url"]
    assert (body["state"], body["total"], body["download_url"]) == ("queued", 3, None)
    status_path = body["status_url"].removeprefix("http://localhost")
    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0
    status = client.get(status_path, headers={"Accept": "application/json"}).get_json()
    assert status["state"] == "done"
    rows = results(client.get(status["download_url"].removeprefix("http://localhost")))
    assert [r["found"] for r in rows] == ["True", "True", "False"]
    too_many = client.post("/api/v1/certificates/bulk-verify", json=[UNKNOWN] * 6)
    assert too_many.status_code == 413
    assert too_many.get_json()["message"] == "At most 5 numbers per request."


READ_IN = {
    "ru": ("Номер сертификата,Найден,Статус,Владелец,Звание,Действителен до,Страница проверки,"
           "Код статуса,Код направления", ("Да", "Нет", "Действителен")),
    "kk": ("Сертификат нөмірі,Табылды,Мәртебесі,Иегері,Атақ,Жарамдылық мерзімі,Тексеру беті,"
           "Мәртебе коды,Бағыт коды", ("Иә", "Жоқ", "Жарамды")),
}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_results_read_in_the_visitors_language_and_keep_their_codes(
        client, numbers, short_direct_limit, language):
    """The page's CSV, at once or from a job, is for people (issue 16); the API's stays the
    machine-readable one (test_the_api_queues_a_long_list_with_202)."""
    header, (yes, no, valid) = READ_IN[language]
    asked = {"Accept-Language": language}
    text = "\n".join([numbers[0], UNKNOWN])
    at_once = client.post("/verify/bulk", headers=asked, data={
        "file": (io.BytesIO(text.encode()), "n.csv"), "download": "y"})
    token = token_of(client.post("/verify/bulk", headers=asked, data={
        "file": (io.BytesIO(f"{text}\n{numbers[1]}".encode()), "n.csv")}))
    queued = client.get(f"/verify/bulk/jobs/{token}/results.csv")
    for download in (at_once, queued):
        body = download.get_data(as_text=True)
        download.close()
        assert body.splitlines()[0] == header
        first, unknown = list(csv.reader(io.StringIO(body)))[1:3]
        assert (first[0], first[1], first[2], first[7]) == (numbers[0], yes, valid, "valid")
        assert first[8] in {"professor", "engineer"}  # the code, as its own column
        assert first[4] not in {"professor", "engineer"} and first[4]  # the title
        assert not re.fullmatch(r"\d{4}-\d\d-\d\d", first[5]) and first[5]
        assert unknown[:3] == [UNKNOWN, no, ""]
        assert "True" not in body and "False" not in body
