"""Competition analytics and exports at scale (issue 17): a constant number of SQL statements
whatever the number of applications, exports that stream, the same figures as the engine's."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from assessments import reports, scoring
from assessments.analytics import (
    application_scope,
    competition_figures,
    integer_frame,
    scoped_ratings_frame,
    scoped_self_frame,
)
from assessments.models import (
    Application,
    ApplicationAnswer,
    Competition,
    Decision,
    Review,
    ReviewScore,
)
from assessments.states import Outcome
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import Branch, Role, RoleAssignment, User
from tests.support import counting_statements, login

KINDS = [(kind, fmt) for kind in ("ratings", "panel", "results") for fmt in ("csv", "xlsx")]


@pytest.fixture
def scaled(create_user, create_competition, in_app):
    """grow(count) -> adds `count` applications, each with two submitted reviews (levels two
    apart on one criterion every third application) and a self-assessment; every other one
    decided. Inserted directly, in bulk: only the administrator logs in."""
    admin = create_user("admin")
    reviewers = [create_user("reviewer", full_name=f"Scale Reviewer {i}") for i in range(3)]
    competition_id = create_competition()
    numbers = iter(range(100_000))

    def grow(count: int) -> int:
        def work():
            branch = db.session.scalar(sa.select(Branch).where(Branch.code == "KZ"))
            criteria = db.session.get(Competition, competition_id).rubric_version.criteria
            now = utcnow()
            for number in (next(numbers) for _ in range(count)):
                candidate = User(email=f"scale{number}@example.org", password_hash="-",
                                 full_name=f"Scale Candidate {number}", country="KZ",
                                 branch=branch,
                                 role_assignments=[RoleAssignment(role=Role.candidate)])
                application = Application(
                    competition_id=competition_id, candidate=candidate, branch=branch,
                    state="under_review", eligibility_confirmed=True, submitted_at=now,
                    answers=[ApplicationAnswer(criterion_id=c.id, level=3, narrative="-")
                             for c in criteria])
                for turn, reviewer in enumerate(reviewers[number % 2:][:2]):
                    levels = [2 + (number + turn + i) % 3 for i in range(len(criteria))]
                    if number % 3 == 0:
                        levels[0] = 1 + 2 * turn
                    db.session.add(Review(
                        application=application, reviewer_id=reviewer.id, state="submitted",
                        submitted_at=now,
                        scores=[ReviewScore(criterion_id=c.id, level=level, comment="-")
                                for c, level in zip(criteria, levels, strict=True)]))
                if number % 2:
                    db.session.add(Decision(application=application, outcome=Outcome.refuse,
                                            reason="-", decided_by_id=admin.id))
            return competition_id
        return in_app(work)

    grow.admin = admin
    return grow


def _first_reviewers_agree_on_c1() -> None:
    application = db.session.scalar(sa.select(Application).order_by(Application.id))
    for review in application.reviews:
        review.scores[0].level = 2
    db.session.commit()


def _fetch(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data()


def test_analytics_and_exports_run_a_constant_number_of_statements(app, scaled):
    competition_id = scaled(3)
    client = app.test_client()
    login(client, scaled.admin)
    # The newest 100 applications on one page.
    paths = [f"/manage/competitions/{competition_id}/analytics?per_page=100&sort=-application",
             *(f"/manage/competitions/{competition_id}/export/{kind}.{fmt}"
               for kind, fmt in KINDS)]
    few = {}
    for path in paths:
        with counting_statements(app) as statements:
            _fetch(client, path)
        few[path] = list(statements)

    scaled(297)  # 300 applications, 600 reviews, 1,800 ratings
    for path in paths:
        with counting_statements(app) as many:
            body = _fetch(client, path)
        assert len(many) == len(few[path]), path + "\n" + "\n".join(many)
        if "/analytics" in path:
            page = body.decode()
            assert "Scale Candidate 299<" in page and "Scale Candidate 199<" not in page
            # Each disagreement with its levels (the page said "C1 (0–0)": a row's .min was
            # the pandas method, not the figure).
            assert page.count("C1 (1–3)") == 33  # 201, 204, … 297
            assert "300 applications have reviewers two or more levels apart" in page


def test_exports_stream(app, scaled):
    competition_id = scaled(300)  # 1,800 ratings: more than one batch of 1,000 rows
    client = app.test_client()
    login(client, scaled.admin)
    url = f"/manage/competitions/{competition_id}/export"
    response = client.get(f"{url}/ratings.csv", buffered=False)
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    chunks = iter(response.response)
    first = next(chunks)
    rest = b"".join(chunks)
    response.close()
    assert first.startswith(b"assessment_id,reviewer_id,criterion_id,criterion_code,level\n")
    assert first.count(b"\n") == 1 + 1000  # the header and the first batch, before the rest
    assert rest.count(b"\n") == 800

    response = client.get(f"{url}/panel.xlsx", buffered=False)
    assert response.is_streamed and response.content_length > 0
    body = b"".join(response.response)
    response.close()
    assert len(body) == response.content_length
    assert len(pd.read_excel(io.BytesIO(body))) == 300 * 3


@pytest.mark.parametrize("chunk", [reports.EXPORT_CHUNK, 7])
def test_exports_hold_the_engines_figures(app, scaled, in_app, monkeypatch, chunk):
    """The streamed files say what the analytics' frames say (the exports before streaming
    wrote those frames), whether the engine ran once or on 7 applications at a time."""
    monkeypatch.setattr(reports, "EXPORT_CHUNK", chunk)
    competition_id = scaled(40)
    client = app.test_client()
    login(client, scaled.admin)
    url = f"/manage/competitions/{competition_id}/export"

    def expected():
        competition = db.session.get(Competition, competition_id)
        figures = competition_figures(competition)
        panel = scoring.panel_table(figures.ratings, figures.criteria,
                                    scoped_self_frame(application_scope(competition)))
        decided = {d.application_id: d for d in db.session.scalars(sa.select(Decision))}
        return figures, panel, decided

    figures, expected_panel, decided = in_app(expected)
    codes = figures.criteria.set_index("criterion_id")["code"]

    ratings = pd.read_csv(io.BytesIO(_fetch(client, f"{url}/ratings.csv")))
    want = figures.ratings.sort_values(list(scoring.RATING_COLUMNS)).reset_index(drop=True)
    want.insert(3, "criterion_code", want["criterion_id"].map(codes))
    pd.testing.assert_frame_equal(ratings, want)
    pd.testing.assert_frame_equal(
        pd.read_excel(io.BytesIO(_fetch(client, f"{url}/ratings.xlsx"))), want)

    for fmt, read in (("csv", pd.read_csv), ("xlsx", pd.read_excel)):
        panel = read(io.BytesIO(_fetch(client, f"{url}/panel.{fmt}"))).set_index(
            ["assessment_id", "criterion_id"])
        assert (panel["criterion_code"] == panel.index.get_level_values(1).map(codes)).all()
        pd.testing.assert_frame_equal(
            panel.drop(columns=["criterion_code", "claim"]),
            expected_panel.drop(columns=["claim"]), check_dtype=False)
        results = read(io.BytesIO(_fetch(client, f"{url}/results.{fmt}"))).set_index(
            "assessment_id")
        pd.testing.assert_series_equal(results["score"], figures.results["score"],
                                       check_dtype=False)
        assert (results["recommended"] == figures.results["recommended"]).all()
        assert (results["disagreement"] == figures.results["disagreement"]).all()
        assert results["outcome"].fillna("").tolist() == [
            "refuse" if i in decided else "" for i in results.index]


def test_analytics_are_kept_ready_and_never_stale(app, scaled, cache, in_app):
    """With Redis, the figures are computed once per state of the data: the next request
    reads no rating, and a rating changed afterwards shows at once."""
    competition_id = scaled(30)
    client = app.test_client()
    login(client, scaled.admin)
    path = f"/manage/competitions/{competition_id}/analytics?per_page=50"
    with counting_statements(app) as first:
        before = _fetch(client, path).decode()
    with counting_statements(app) as again:
        assert _fetch(client, path).decode() == before
    reads_ratings = [s for s in first if "review_scores.level" in s and "sum(" not in s]
    assert reads_ratings and not [s for s in again if s in reads_ratings]
    assert before.count("C1 (1–3)") == 10

    in_app(_first_reviewers_agree_on_c1)
    after = _fetch(client, path).decode()
    assert after.count("C1 (1–3)") == 9


def _waiting(app, connection) -> int:
    from rq import Queue

    return Queue(app.config["JOBS_QUEUE"], connection=connection).count


def test_a_change_queues_one_refresh_and_the_worker_keeps_the_figures_ready(
        app, scaled, cache, job_queue, in_app, runner):
    """With a job queue, the commit that changes ratings queues one refresh (however many
    changes come before it runs); the worker computes the figures, so the first request after
    the change reads no rating and shows the change."""
    competition_id = scaled(30)
    assert _waiting(app, job_queue) == 1

    in_app(_first_reviewers_agree_on_c1)
    assert _waiting(app, job_queue) == 1  # one waiting refresh covers both changes
    worked = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worked.exit_code == 0, worked.output
    assert _waiting(app, job_queue) == 0

    client = app.test_client()
    login(client, scaled.admin)
    with counting_statements(app) as statements:
        page = _fetch(client, f"/manage/competitions/{competition_id}/analytics?per_page=50")
    assert not [s for s in statements if "review_scores.level" in s and "sum(" not in s]
    assert page.decode().count("C1 (1–3)") == 9

    def reopen_one():  # a change after the refresh ran queues the next one
        review = db.session.scalar(sa.select(Review).order_by(Review.id.desc()))
        review.scores[1].level = 1
        db.session.commit()

    in_app(reopen_one)
    assert _waiting(app, job_queue) == 1


def test_a_self_assessment_saved_queues_no_refresh_and_keeps_the_figures(
        app, scaled, cache, job_queue, in_app, runner):
    """The figures read no self-assessment: a candidate's saved draft queues no job (they
    save often while a call is open), and the kept figures stay kept (their fingerprint does
    not move), while a change to a review still queues one."""
    competition_id = scaled(9)
    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0
    client = app.test_client()
    login(client, scaled.admin)
    path = f"/manage/competitions/{competition_id}/analytics"
    before = _fetch(client, path)

    def change_a_self_assessment():
        answer = db.session.scalar(sa.select(ApplicationAnswer).order_by(ApplicationAnswer.id))
        answer.level, answer.narrative = 1, "Rewritten after the call opened."
        db.session.commit()

    in_app(change_a_self_assessment)
    assert _waiting(app, job_queue) == 0
    with counting_statements(app) as statements:
        assert _fetch(client, path) == before
    assert not [s for s in statements if "review_scores.level" in s and "sum(" not in s]

    in_app(_first_reviewers_agree_on_c1)
    assert _waiting(app, job_queue) == 1


def test_without_the_cache_no_refresh_is_queued(app, scaled, job_queue):
    scaled(3)
    assert _waiting(app, job_queue) == 0


def test_a_review_s_version_moves_with_its_scores_and_only_with_them(app, scaled, in_app):
    """What lets the figures' fingerprint read the reviews, not their ratings."""
    scaled(3)

    def change(level_of) -> tuple[int, int]:
        review = db.session.scalar(sa.select(Review).where(Review.submitted_at.is_not(None))
                                   .order_by(Review.id))
        before = review.version
        review.scores[0].level = level_of(review.scores[0].level)
        db.session.commit()
        return before, review.version

    before, after = in_app(lambda: change(lambda level: level))  # the same level again
    assert after == before
    before, after = in_app(lambda: change(lambda level: 1 if level != 1 else 2))
    assert after == before + 1

    def remove_one() -> tuple[int, int]:
        review = db.session.scalar(sa.select(Review).where(Review.submitted_at.is_not(None))
                                   .order_by(Review.id.desc()))
        before = review.version
        db.session.delete(review.scores[-1])
        db.session.commit()
        return before, review.version

    before, after = in_app(remove_one)
    assert after == before + 1


def _json_shaped(value, where="summary") -> None:
    """Exactly what JSON reads back: the page takes the summary as built, not as read."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{where}: key {key!r}"
            _json_shaped(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_shaped(item, f"{where}[{index}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), (
            f"{where}: {type(value).__name__}")


def test_the_summary_is_built_as_json_reads_it_back(app, scaled, in_app):
    from assessments.analytics_page import _summarise

    competition_id = scaled(12)

    def below_the_floor_on_one_criterion():  # so below_floor names a criterion somewhere
        first = db.session.scalars(sa.select(Review.id).join(Application).where(
            Application.competition_id == competition_id).order_by(Review.id).limit(2)).all()
        db.session.execute(sa.update(ReviewScore).where(ReviewScore.review_id.in_(first))
                           .values(level=0))

    in_app(below_the_floor_on_one_criterion)
    summary = in_app(lambda: _summarise(db.session.get(Competition, competition_id), None, ()))
    assert summary["results"] and summary["reliability"] and summary["level_counts"]
    assert any(row["below_floor"] for row in summary["results"])
    _json_shaped(summary)


def test_the_ratings_frame_holds_every_submitted_rating_as_stored(app, scaled, in_app):
    """The frame the analytics read (on PostgreSQL packed into one binary string by the
    database) holds the same ratings as the ORM reads, value for value."""
    competition_id = scaled(20)

    def both():
        competition = db.session.get(Competition, competition_id)
        frame = scoped_ratings_frame(application_scope(competition, None, set()))
        stored = db.session.execute(
            sa.select(Review.application_id, Review.reviewer_id, ReviewScore.criterion_id,
                      ReviewScore.level)
            .join(ReviewScore, ReviewScore.review_id == Review.id)
            .join(Application, Application.id == Review.application_id)
            .where(Application.competition_id == competition_id,
                   Review.state == "submitted", ReviewScore.level.is_not(None))).all()
        return sorted(map(tuple, frame.to_numpy().tolist())), sorted(map(tuple, stored)), frame
    read, stored, frame = in_app(both)
    assert read == stored and len(read) == 20 * 2 * 3
    assert list(frame.dtypes) == ["int64"] * 4


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_an_integer_frame_is_exact_for_any_32_bit_value_and_width(app, in_app, width):
    rows = [(-(2**31), 2**31 - 1, -1, 0), (7, -5, 2**31 - 2, 1), (0, 0, 0, 0)]
    columns = [f"c{i}" for i in range(width)]
    given = sa.union_all(*(
        sa.select(*(sa.cast(sa.literal_column(str(value)), sa.Integer).label(name)
                    for name, value in zip(columns, row, strict=False)))
        for row in rows)).subquery()
    frame = in_app(lambda: integer_frame(sa.select(given), columns))
    assert sorted(map(tuple, frame.to_numpy().tolist())) == sorted(row[:width] for row in rows)


def test_an_integer_frame_refuses_a_null_and_postgresql_a_wider_value(app, in_app):
    one = sa.cast(sa.literal_column("1"), sa.Integer).label("b")
    with pytest.raises((ValueError, TypeError)):  # SQLite: numpy meets None; PostgreSQL: counted
        in_app(lambda: integer_frame(sa.select(sa.cast(sa.null(), sa.Integer).label("a"), one),
                                     ["a", "b"]))
    wider = sa.select(sa.cast(sa.literal_column(str(2**32)), sa.BigInteger).label("a"), one)
    if in_app(lambda: db.session.get_bind().dialect.name) == "postgresql":
        with pytest.raises(sa.exc.DataError, match="out of range"):
            in_app(lambda: integer_frame(wider, ["a", "b"]))
    else:  # the driver's integers as they are
        assert in_app(lambda: integer_frame(wider, ["a", "b"])).to_numpy().tolist() == [
            [2**32, 1]]
