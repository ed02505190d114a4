"""Reviewer calibration (issue 18, docs/calibration.md): the exemplar, the gate before a
reviewer's first review, the comparison with the reference panel, and what staff see."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assessments.calibration.compare import compare
from assessments.calibration.models import Calibration, Exemplar, ExemplarReference
from assessments.calibration.operations import calibrate
from assessments.models import Application, Competition, Review, ReviewScore
from assessments.operations import ScoreInput, save_review
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User
from tests.support import (
    calibration_form,
    counting_statements,
    in_threads,
    login,
    make_exemplar,
    review_form,
)


@pytest.fixture
def calibrating(create_user, create_competition, workflow, in_app):
    """A competition that asks for calibration, with a ready exemplar (reference 2, 3, 1 by one
    administrator) and a reviewer assigned to one application."""
    admin = create_user("admin")
    reviewer = create_user("reviewer")
    competition_id = create_competition()

    def prepare():
        competition = db.session.get(Competition, competition_id)
        competition.requires_calibration = True
        make_exemplar(competition, db.session.get(User, admin.id), references=[2, 3, 1])

    in_app(prepare)
    application_id = workflow.submitted(competition_id, create_user("candidate"))
    review_id = workflow.assign(application_id, reviewer, admin)
    return {"admin": admin, "reviewer": reviewer, "competition": competition_id,
            "application": application_id, "review": review_id}


def _calibrations(in_app):
    return in_app(lambda: [(c.reviewer_id, c.mean_abs_difference, [s.level for s in c.scores])
                           for c in db.session.scalars(sa.select(Calibration))])


# The comparison, by hand --------------------------------------------------------------------


def test_the_comparison_is_the_mean_absolute_difference_in_levels():
    result = compare({"A": 3, "B": 1, "C": 2}, {"A": 2, "B": 2.5, "C": 2})
    assert result.differences == {"A": 1, "B": -1.5, "C": 0}
    assert result.mean_abs_difference == pytest.approx((1 + 1.5 + 0) / 3)
    assert not result.flagged(1.0)            # 0.83: within the default threshold
    assert compare({"A": 3}, {"A": 2}).flagged(1.0) is False    # at the threshold: not above
    assert compare({"A": 4}, {"A": 2}).flagged(1.0) is True
    with pytest.raises(ValueError, match="same criteria"):
        compare({"A": 1}, {"B": 1})


# The gate before the first review --------------------------------------------------------------


def test_a_review_waits_for_the_calibration_and_a_post_writes_nothing(client, calibrating,
                                                                       in_app):
    login(client, calibrating["reviewer"])
    review_id, competition_id = calibrating["review"], calibrating["competition"]
    opened = client.get(f"/reviews/{review_id}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == (
        f"/competitions/{competition_id}/calibration?next=/reviews/{review_id}")

    def state():
        review = db.session.get(Review, review_id)
        return review.version, [s.level for s in review.scores], db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)))

    before = in_app(state)
    posted = client.post(f"/reviews/{review_id}",
                         data=review_form((3, 3, 3), ("a", "b", "c"), version=1, action="submit"))
    assert posted.status_code == 403
    assert client.post(f"/reviews/{review_id}/conflict",
                       data={"reason": "A former student of mine."}).status_code == 403
    assert in_app(state) == before

    page = client.get(f"/competitions/{competition_id}/calibration?next=/reviews/{review_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Exemplar on C2" in text and "Report for C2" in text

    done = client.post(f"/competitions/{competition_id}/calibration",
                       data=calibration_form([3, 3, 2]) | {"next": f"/reviews/{review_id}"})
    assert done.status_code == 302
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Mean absolute difference: 0.67 levels" in result   # (|3-2| + 0 + |2-1|) / 3
    assert "+1.0" in result and f'href="/reviews/{review_id}"' in result
    assert _calibrations(in_app) == [(calibrating["reviewer"].id, pytest.approx(2 / 3),
                                      [3, 3, 2])]
    assert client.get(f"/reviews/{review_id}").status_code == 200
    assert client.post(f"/reviews/{review_id}", data=review_form(
        (3, 3, 3), ("a", "b", "c"), version=1)).status_code == 302


def test_a_competition_that_does_not_ask_opens_reviews_at_once(client, calibrating, in_app):
    in_app(lambda: setattr(db.session.get(Competition, calibrating["competition"]),
                           "requires_calibration", False))
    login(client, calibrating["reviewer"])
    assert client.get(f"/reviews/{calibrating['review']}").status_code == 200


def test_without_a_ready_exemplar_the_reviewer_is_told_and_nothing_is_written(
        client, calibrating, in_app):
    def unready():
        exemplar = db.session.scalar(sa.select(Exemplar))
        exemplar.references.clear()
    in_app(unready)
    login(client, calibrating["reviewer"])
    url = f"/competitions/{calibrating['competition']}/calibration"
    assert "not ready yet" in client.get(url).get_data(as_text=True)
    assert client.post(url, data=calibration_form([2, 2, 2])).status_code == 409
    assert _calibrations(in_app) == []
    assert client.get(f"/reviews/{calibrating['review']}").status_code == 302


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("levels", "comments", "message"), [
    ([2, None, 2], None, "C2: choose a level."),
    ([2, 9, 2], None, "Not a valid choice"),
    ([2, -1, 2], None, "Not a valid choice"),
    ([2, 1, 2], None, "C2: a comment is required for this level."),
])
def test_an_incomplete_or_wrong_calibration_is_shown_again_and_writes_nothing(
        client, calibrating, in_app, levels, comments, message):
    login(client, calibrating["reviewer"])
    url = f"/competitions/{calibrating['competition']}/calibration"
    response = client.post(url, data=calibration_form(levels, comments) | {"scores-0-comment":
                                                                          "Kept as typed"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and "Kept as typed" in text
    assert _calibrations(in_app) == []


def test_a_second_calibration_is_refused_and_the_first_result_stands(client, calibrating,
                                                                     in_app):
    login(client, calibrating["reviewer"])
    url = f"/competitions/{calibrating['competition']}/calibration"
    assert client.post(url, data=calibration_form([2, 3, 1], {2: "Thin"})).status_code == 302
    again = client.post(url, data=calibration_form([4, 4, 4], {0: "x", 1: "y", 2: "z"}))
    assert again.status_code == 409
    assert "You have already calibrated for this competition" in again.get_data(as_text=True)
    assert _calibrations(in_app) == [(calibrating["reviewer"].id, 0.0, [2, 3, 1])]


def test_two_submissions_racing_leave_one_calibration(app, calibrating, in_app):
    def work(i):
        competition = db.session.get(Competition, calibrating["competition"])
        levels = (2, 3, 2) if i == 0 else (3, 3, 3)
        return calibrate(competition, {c.id: ScoreInput(level, "") for c, level in zip(
            competition.rubric_version.criteria, levels, strict=True)},
            by=db.session.get(User, calibrating["reviewer"].id))

    results, errors = in_threads(app, 2, work)
    assert len(results) == 1 and [type(e) for e in errors] == [DomainError]
    assert len(_calibrations(in_app)) == 1


def test_the_review_operation_refuses_too(calibrating, in_app):
    """Defence in depth: the operation itself refuses a review before the calibration."""

    def attempt():
        review = db.session.get(Review, calibrating["review"])
        with pytest.raises(DomainError, match="calibration exemplar"):
            save_review(review, {s.criterion_id: ScoreInput(2, "") for s in review.scores},
                        submit=False, expected_version=None, by=review.reviewer)
    in_app(attempt)
    assert in_app(lambda: db.session.scalars(sa.select(ReviewScore.level)).all()) == [None] * 3


# What staff see ----------------------------------------------------------------------------


def test_staff_see_each_reviewers_calibration_and_the_flag(app, client, calibrating,
                                                          create_user, workflow, in_app):
    ru_reviewer = create_user("reviewer", branch="RU", full_name="Ru Reviewer")
    workflow.assign(calibrating["application"], ru_reviewer, calibrating["admin"])
    url = f"/competitions/{calibrating['competition']}/calibration"
    login(client, calibrating["reviewer"])
    client.post(url, data=calibration_form([2, 3, 2]))          # 0.33: close
    client.post("/logout")
    login(client, ru_reviewer)
    client.post(url, data=calibration_form([4, 1, 3], {0: "x", 1: "y", 2: "z"}))  # 2.00: flagged
    client.post("/logout")

    login(client, calibrating["admin"])
    overview = f"/manage/competitions/{calibrating['competition']}/calibration"
    with counting_statements(app) as two:
        page = client.get(overview)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "0.33" in text and "2.00" in text and text.count("Flagged") == 1
    assert "C1 +2.0, C2 -2.0, C3 +2.0" in text
    client.post("/logout")

    # More reviewers, the same number of statements.
    for _ in range(3):
        extra = create_user("reviewer")
        workflow.assign(workflow.submitted(calibrating["competition"], create_user()), extra,
                        calibrating["admin"])
        login(client, extra)
        client.post(url, data=calibration_form([2, 3, 2]))
        client.post("/logout")
    login(client, calibrating["admin"])
    with counting_statements(app) as five:
        assert client.get(overview).status_code == 200
    assert len(five) == len(two)
    client.post("/logout")

    # A coordinator sees their branch's reviewers only.
    login(client, create_user("coordinator", branch="RU"))
    text = client.get(overview).get_data(as_text=True)
    assert "Ru Reviewer" in text and calibrating["reviewer"].full_name not in text


def test_a_coordinator_of_a_branch_the_competition_is_not_open_to_is_refused(
        client, create_user, create_competition):
    competition_id = create_competition(branches=("KZ",))
    login(client, create_user("coordinator", branch="RU"))
    assert client.get(f"/manage/competitions/{competition_id}/calibration").status_code == 403


def test_the_pool_shows_calibration_status(app, client, calibrating, create_user):
    create_user("reviewer")
    login(client, calibrating["reviewer"])
    client.post(f"/competitions/{calibrating['competition']}/calibration",
                data=calibration_form([2, 3, 2]))
    client.post("/logout")
    login(client, calibrating["admin"])
    text = client.get("/reviewers/").get_data(as_text=True)
    assert "Calibrated in 1; last difference 0.33" in text
    assert "Not calibrated" in text  # the other reviewer


# The exemplar ------------------------------------------------------------------------------


def test_administrators_write_the_exemplar_and_the_reference_is_the_panels_mean(
        app, client, create_user, create_competition, in_app):
    first, second = create_user("admin"), create_user("admin")
    competition_id = create_competition()
    login(client, first)
    created = client.post(f"/manage/competitions/{competition_id}/calibration/exemplar",
                          data={"exemplar": "new"})
    assert created.status_code == 302
    url = created.headers["Location"]

    def rows(references, title="Anonymised professor A"):
        data = {"title": title}
        for i, reference in enumerate(references):
            data |= {f"rows-{i}-level": "3", f"rows-{i}-narrative": f"Narrative {i}",
                     f"rows-{i}-evidence": f"Syllabus {i}", f"rows-{i}-reference": reference}
        return data

    assert client.post(url, data=rows(["2", "3", "4"])).status_code == 302
    client.post("/logout")
    login(client, second)
    assert client.post(url, data=rows(["3", "3", "1"])).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Reference panel: 2.5 from 2 scorers" in page

    # Bad input: a level beyond the scale, an empty title: shown again, nothing written.
    def stored():
        return sorted((r.scorer_id, r.criterion.code, r.level)
                      for r in db.session.scalars(sa.select(ExemplarReference)))

    before = in_app(stored)
    assert client.post(url, data=rows(["2", "7", "2"])).status_code == 422
    refused = client.post(url, data=rows(["2", "2", "2"], title=""))
    assert refused.status_code == 422 and "Narrative 1" in refused.get_data(as_text=True)
    assert in_app(stored) == before

    # A reference withdrawn by leaving it empty.
    assert client.post(url, data=rows(["", "3", "1"])).status_code == 302
    assert len(in_app(stored)) == 5


def test_the_exemplar_is_never_an_application(client, calibrating, in_app):
    login(client, calibrating["reviewer"])
    assert client.post(f"/competitions/{calibrating['competition']}/calibration",
                       data=calibration_form([2, 3, 2])).status_code == 302
    client.post("/logout")
    admin_client = client
    login(admin_client, calibrating["admin"])
    assert in_app(lambda: db.session.scalar(sa.select(sa.func.count(Application.id)))) == 1
    for path in ("/manage/applications/",
                 f"/manage/competitions/{calibrating['competition']}/analytics",
                 f"/manage/competitions/{calibrating['competition']}/export/ratings.csv",
                 "/manage/reports/annual"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert b"Exemplar on C1" not in response.data and b"Exemplar A" not in response.data


def test_new_competitions_ask_for_calibration_by_default(admin_client):
    form = admin_client.get("/manage/competitions/new").get_data(as_text=True)
    assert 'id="requires_calibration" name="requires_calibration" type="checkbox" value="y" ' \
           'checked' in form or 'checked id="requires_calibration"' in form


def test_the_demo_has_calibrated_reviewers_and_one_still_to_calibrate(runner, in_app):
    assert runner.invoke(args=["demo"]).exit_code == 0

    def state():
        rows = db.session.execute(sa.select(User.email, Calibration.mean_abs_difference)
                                  .join(Calibration.reviewer).order_by(User.email)).all()
        competition = db.session.scalar(sa.select(Competition).where(
            Competition.requires_calibration))
        return [(email, round(value, 2)) for email, value in rows], competition.title["en"]

    assert in_app(state) == ([("reviewer1@certify.example", 0.5),
                              ("reviewer2@certify.example", 1.07)],
                             "UNESCO Professor of Mining Engineering — 2026/27 call")
