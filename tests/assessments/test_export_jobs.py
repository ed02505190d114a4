"""A competition's export of more than EXPORT_JOB_ROWS ratings is prepared as a background job
(assessments/report_jobs.py): the export link offers it, a worker writes the same file the
request would have, in the exporter's language, with its progress; its page and download are
its owner's (and administrators') alone (issue 17)."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
import sqlalchemy as sa

from assessments.models import Application
from certify.core.extensions import db
from certify.core.jobs import BackgroundJob, JobState
from certify.users.models import User
from tests.support import login


@pytest.fixture
def competition(award, in_app):
    """A competition with two awarded applications: 2 reviews x 3 criteria each, 12 ratings."""
    first = award()
    award()
    return in_app(lambda: db.session.get(Application, first).competition_id)


@pytest.fixture
def small_job_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 5)


def exporter(app, create_user, role="admin", **fields):
    client = app.test_client()
    client.person = create_user(role, **fields)
    login(client, client.person)
    return client


def prepare(client, competition: int, path: str, offer_says="This export holds 12 ratings"
            ) -> int:
    url = f"/manage/competitions/{competition}/export/{path}"
    offer = client.get(url)
    assert offer.status_code == 200
    assert offer_says in offer.text
    action = re.search(r'action="([^"]+/prepare[^"]*)"', offer.text).group(1)
    answer = client.post(action.replace("&amp;", "&"))
    assert answer.status_code == 302, answer.text
    assert re.search(r"/jobs/\d+$", answer.headers["Location"]), answer.headers["Location"]
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def download(client, job_id: int):
    answer = client.get(f"/jobs/{job_id}/download")
    assert answer.status_code == 200
    data, disposition = answer.data, answer.headers["Content-Disposition"]
    answer.close()
    return data, disposition


def test_a_large_export_is_the_same_file_prepared_as_a_job(
        app, monkeypatch, competition, create_user):
    client = exporter(app, create_user)
    url = f"/manage/competitions/{competition}/export"
    direct = {path: client.get(f"{url}/{path}").data for path in ("ratings.csv", "results.xlsx")}
    assert direct["ratings.csv"].startswith(b"assessment_id")

    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 5)
    for path, reader in (("ratings.csv", pd.read_csv), ("results.xlsx", pd.read_excel)):
        job_id = prepare(client, competition, path)
        assert "Ready." in client.get(f"/jobs/{job_id}").text
        data, disposition = download(client, job_id)
        assert disposition.endswith(f"competition-{competition}-{path}")
        pd.testing.assert_frame_equal(reader(io.BytesIO(data)),
                                      reader(io.BytesIO(direct[path])))


def test_a_large_export_for_people_speaks_the_exporters_language(
        app, competition, create_user, small_job_limit, in_app):
    client = exporter(app, create_user)
    in_app(lambda: setattr(db.session.get(User, client.person.id), "preferred_language", "ru"))
    job_id = prepare(client, competition, "ratings.xlsx?for=people",
                     offer_says="В этой выгрузке 12 оценок")
    data, disposition = download(client, job_id)
    assert disposition.endswith(f"competition-{competition}-ratings-ru.xlsx")
    assert list(pd.read_excel(io.BytesIO(data)).columns) == [
        "Номер заявки", "Эксперт", "Критерий", "Код критерия", "Уровень"]


def test_a_worker_prepares_the_export_with_its_progress(
        app, competition, create_user, small_job_limit, runner, in_app, job_queue):
    client = exporter(app, create_user)
    job_id = prepare(client, competition, "ratings.csv")
    assert "Waiting for a free worker" in client.get(f"/jobs/{job_id}").text
    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0
    state, progress, total = in_app(lambda: db.session.execute(sa.select(
        BackgroundJob.state, BackgroundJob.progress, BackgroundJob.total)
        .where(BackgroundJob.id == job_id)).one())
    assert (state, progress, total) == (JobState.done, 12, 12)
    assert len(pd.read_csv(io.BytesIO(download(client, job_id)[0]))) == 12


def test_a_small_export_still_streams_at_once(app, competition, create_user, in_app):
    client = exporter(app, create_user)
    answer = client.get(f"/manage/competitions/{competition}/export/ratings.csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(BackgroundJob.id)))) == 0


# Who may open a coordinator's export job: the coordinator, and administrators.
ACCESS = [("owner", 200), ("admin", 200), ("other_coordinator", 404), ("reviewer", 404),
          ("candidate", 404), ("anonymous", 302)]


@pytest.mark.parametrize(("who", "status"), ACCESS)
def test_an_export_job_is_its_owners(app, competition, create_user, small_job_limit, who,
                                     status):
    owner = exporter(app, create_user, "coordinator", branch="KZ")
    job_id = prepare(owner, competition, "ratings.csv")
    if who == "owner":
        visitor = owner
    elif who == "anonymous":
        visitor = app.test_client()
    else:
        role = "coordinator" if who == "other_coordinator" else who
        visitor = exporter(app, create_user, role, branch="KZ")
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/download"):
        answer = visitor.get(path)
        answer.close()
        assert answer.status_code == status, path
    assert ("ratings.csv" in visitor.get("/jobs/").text) == (who == "owner")
