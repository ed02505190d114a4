"""Reviewers' credentials (issue 19): issued by an administrator once a competition closed, to
reviewers who submitted a review, once each; signed and checked like a certificate (our
verifier, 1EdTech's schema, the Node reference verifiers), revocable with a reason that shows
on the verification page and in the status list."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assessments.calibration.operations import calibrate
from assessments.erasure import approve_erasure, erasure_plan, request_erasure
from assessments.models import Competition, Review
from assessments.operations import ScoreInput
from assessments.reviewers.credentials import issue_reviewer_credential
from assessments.states import CompetitionState
from certify.certificates import credentials as vc
from certify.certificates.models import ReviewerCredential
from certify.certificates.verification import verify_document
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import User
from tests.support import PASSWORD, in_threads, login, make_exemplar, ob_schema_errors
from tests.support.interop import node_or_skip, run_harness, write_fixtures


@pytest.fixture
def reviewing(create_user, create_competition, workflow, in_app):
    """A competition with a review deadline: ``done`` reviewed two files (one after the
    deadline) and calibrated, ``idle`` was assigned a file and never submitted, ``stranger``
    was never assigned. Still under review: ``close()`` closes it."""
    admin = create_user("admin")
    done, idle, stranger = (create_user("reviewer", full_name=name)
                            for name in ("Aigerim Done", "Boris Idle", "Chen Stranger"))
    competition_id = create_competition()

    def calibration_and_deadline():
        competition = db.session.get(Competition, competition_id)
        competition.requires_calibration = True
        make_exemplar(competition, db.session.get(User, admin.id))
        criteria = competition.rubric_version.criteria
        calibrate(competition, {c.id: ScoreInput(level=2, comment="") for c in criteria},
                  by=db.session.get(User, done.id))

    in_app(calibration_and_deadline)
    files = [workflow.submitted(competition_id, create_user("candidate")) for _ in range(2)]
    reviews = [workflow.assign(file, done, admin) for file in files]
    workflow.assign(files[0], idle, admin)
    for review in reviews:
        workflow.review(review)

    def one_late():
        competition = db.session.get(Competition, competition_id)
        competition.review_deadline = utcnow() - timedelta(hours=1)
        db.session.get(Review, reviews[0]).submitted_at = utcnow() - timedelta(hours=2)

    in_app(one_late)

    def close():
        in_app(lambda: setattr(db.session.get(Competition, competition_id), "state",
                               CompetitionState.closed))

    return {"admin": admin, "done": done, "idle": idle, "stranger": stranger,
            "competition": competition_id, "close": close}


def _issue(in_app, reviewing, who: str):
    def work():
        issue_reviewer_credential(db.session.get(Competition, reviewing["competition"]),
                                  db.session.get(User, reviewing[who].id),
                                  by=db.session.get(User, reviewing["admin"].id))
    return in_app(work)


def _written(in_app) -> tuple[int, int]:
    """How many reviewer credentials and their audit entries there are."""
    return in_app(lambda: (
        db.session.scalar(sa.select(sa.func.count(ReviewerCredential.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action.like("reviewer_credential.%")))))


def _record(in_app) -> dict:
    def read():
        record = db.session.scalars(sa.select(ReviewerCredential)).one()
        return {"id": record.id, "public_id": record.public_id, "credential": record.credential,
                "files": record.files_reviewed, "on_time": record.reviews_on_time,
                "calibrated": record.calibration_completed, "index": record.status_index}
    return in_app(read)


# --- Refusals: a clear message and nothing written ----------------------------------------


def test_refused_before_the_competition_closed(in_app, reviewing):
    with pytest.raises(DomainError, match="once the competition is closed"):
        _issue(in_app, reviewing, "done")
    assert _written(in_app) == (0, 0)


@pytest.mark.parametrize("who", ["idle", "stranger"])
def test_refused_to_someone_who_submitted_no_review(in_app, reviewing, who):
    reviewing["close"]()
    with pytest.raises(DomainError, match="submitted no review in this competition"):
        _issue(in_app, reviewing, who)
    assert _written(in_app) == (0, 0)


def test_a_second_credential_for_the_same_reviewer_and_competition_is_refused(in_app,
                                                                            reviewing):
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    with pytest.raises(DomainError, match="already holds a reviewer credential"):
        _issue(in_app, reviewing, "done")
    assert _written(in_app) == (1, 1)


def test_the_admin_page_refuses_before_closing_and_issues_only_the_eligible_after(
        app, in_app, reviewing):
    admin = app.test_client()
    login(admin, reviewing["admin"])
    url = f"/manage/competitions/{reviewing['competition']}/reviewer-credentials"
    page = admin.get(url).get_data(as_text=True)
    assert "Aigerim Done" in page and "Boris Idle" in page and "Chen Stranger" not in page
    assert "not closed yet" in page
    refused = admin.post(url, data={"confirm": "y"}, follow_redirects=True)
    assert "once the competition is closed" in refused.get_data(as_text=True)
    assert _written(in_app) == (0, 0)
    reviewing["close"]()
    unconfirmed = admin.post(url, data={}, follow_redirects=True)
    assert "Tick the box to confirm." in unconfirmed.get_data(as_text=True)
    assert _written(in_app) == (0, 0)
    assert admin.post(url, data={"confirm": "y", "reviewer_id": "999999"}).status_code == 404
    assert admin.post(url, data={"confirm": "y", "reviewer_id": "x" * 30}).status_code == 302
    assert admin.post(url, data={"confirm": "y", "reviewer_id": str(10**12)}).status_code == 302
    assert _written(in_app) == (0, 0)
    assert admin.post(url, data={"confirm": "y"}).status_code == 302
    assert _written(in_app) == (1, 1)  # the idle reviewer earned none
    again = admin.post(url, data={"confirm": "y"}, follow_redirects=True)
    assert "No reviewer is waiting for a credential" in again.get_data(as_text=True)
    single = admin.post(url, data={"confirm": "y", "reviewer_id": reviewing["done"].id},
                        follow_redirects=True)
    assert "already holds a reviewer credential" in single.get_data(as_text=True)
    assert _written(in_app) == (1, 1)


# --- The credential ------------------------------------------------------------------------


def test_the_credential_states_the_figures_and_verifies_like_a_certificate(
        app, client, in_app, reviewing):
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    record = _record(in_app)
    assert (record["files"], record["on_time"], record["calibrated"]) == (2, 1, True)
    document = record["credential"]
    assert ob_schema_errors(document) == []
    subject = document["credentialSubject"]
    assert subject["achievement"]["name"] == "Reviewer, Test call"
    descriptions = {d["id"]: d for d in subject["achievement"]["resultDescription"]}
    stated = {descriptions[r["resultDescription"]]["resultType"]: r["value"]
              for r in subject["result"]}
    assert stated == {"RawScore": "2", "Result": "completed", "Percent": "50"}
    assert {p["cryptosuite"] for p in document["proof"]} == {"eddsa-jcs-2022", "eddsa-rdfc-2022"}
    assert in_app(lambda: verify_document(document).verified) is True
    answer = client.post("/api/v1/verify", json=document).get_json()
    assert answer["verified"] is True and answer["status"] == "valid"
    page = client.get(f"/verify/reviewers/{record['public_id']}")
    assert page.status_code == 200
    assert "genuine and valid" in page.get_data(as_text=True)
    download = client.get(f"/verify/reviewers/{record['public_id']}/credential.json")
    assert download.get_json() == document
    assert client.get("/verify/reviewers/not-a-credential").status_code == 404


def test_a_revocation_shows_on_the_page_in_the_status_list_and_to_the_verifiers(
        app, client, in_app, reviewing):
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    record = _record(in_app)
    admin = app.test_client()
    login(admin, reviewing["admin"])
    revoke = f"/manage/reviewer-credentials/{record['id']}/revoke"
    no_reason = admin.post(revoke, data={"confirm": "y"}, follow_redirects=True)
    assert "This field is required." in no_reason.get_data(as_text=True)
    assert admin.post(revoke, data={"confirm": "y", "reason": "Reviews copied."}
                      ).status_code == 302
    page = client.get(f"/verify/reviewers/{record['public_id']}").get_data(as_text=True)
    assert "has been revoked" in page and "Reviews copied." in page
    listed = client.get("/status/revocation-1").get_json()
    bits = vc.decode_status_list(listed["credentialSubject"]["encodedList"])
    assert vc.status_bit(bits, record["index"]) is True
    result = in_app(lambda: verify_document(record["credential"]))
    assert not result.verified
    assert {c.check: c.ok for c in result.checks}["revocation"] is False
    assert client.post("/api/v1/verify", json=record["credential"]).get_json()["status"] \
        == "revoked"
    audit = in_app(lambda: db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "reviewer_credential.revoke")).data)
    assert audit["reason"] == "Reviews copied."
    again = admin.post(revoke, data={"confirm": "y", "reason": "Reviews copied."},
                       follow_redirects=True)
    assert "already been revoked" in again.get_data(as_text=True)


def test_the_reviewer_sees_their_credential_with_its_json(app, in_app, reviewing):
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    record = _record(in_app)
    reviewer = app.test_client()
    login(reviewer, reviewing["done"])
    page = reviewer.get("/my/certificates/").get_data(as_text=True)
    assert "My reviewer credentials" in page
    assert f"/verify/reviewers/{record['public_id']}/credential.json" in page
    other = app.test_client()
    login(other, reviewing["idle"])
    assert "My reviewer credentials" not in other.get("/my/certificates/").get_data(as_text=True)


def test_the_reviewers_own_data_holds_their_credential(app, in_app, reviewing):
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    reviewer = app.test_client()
    login(reviewer, reviewing["done"])
    response = reviewer.post("/account/data", data={})
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    [held] = json.loads(archive.read("reviewer_credentials.json"))
    assert (held["files_reviewed"], held["reviews_on_time"]) == (2, 1)
    assert held["credential"] == _record(in_app)["credential"]


def test_erasing_the_reviewer_revokes_the_credential_and_removes_their_name(
        client, in_app, reviewing):
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    record = _record(in_app)

    def erase():
        person = db.session.get(User, reviewing["done"].id)
        erasure = request_erasure(person, password=PASSWORD, reason="", language="en")
        plan = {item.kind: (item.count, item.action) for item in erasure_plan(person).items}
        assert plan["reviewer_credentials"] == (1, "erase")
        approve_erasure(erasure, by=db.session.get(User, reviewing["admin"].id))

    in_app(erase)
    credential, name, index, revoked = in_app(lambda: db.session.execute(sa.select(
        ReviewerCredential.credential, ReviewerCredential.reviewer_name,
        ReviewerCredential.status_index, ReviewerCredential.revoked_at)).one())
    assert credential is None and name.startswith("Erased person")
    assert index == record["index"] and revoked is not None
    assert client.get(f"/verify/reviewers/{record['public_id']}").status_code == 404
    answer = client.post("/api/v1/verify", json=record["credential"]).get_json()
    assert answer["status"] == "revoked" and answer["verified"] is False


def test_the_reference_verifiers_accept_it_and_refuse_it_once_revoked(
        app, client, in_app, reviewing, tmp_path):
    """Judged as issued, then again once revoked (the status list served then)."""
    node = node_or_skip()
    reviewing["close"]()
    _issue(in_app, reviewing, "done")
    record = _record(in_app)
    write_fixtures(client, {"valid": record["credential"]}, tmp_path / "issued")
    accepted = run_harness(node, tmp_path / "issued")
    for tool in ("vc", "dcc", "schema", "jsonld"):
        assert accepted[tool, "valid"]["verified"] is True, accepted[tool, "valid"]
        assert accepted[tool, "valid"]["network"] == []
    admin = app.test_client()
    login(admin, reviewing["admin"])
    assert admin.post(f"/manage/reviewer-credentials/{record['id']}/revoke",
                      data={"confirm": "y", "reason": "Interop test."}).status_code == 302
    write_fixtures(client, {"revoked": record["credential"]}, tmp_path / "revoked")
    refused = run_harness(node, tmp_path / "revoked")
    for tool in ("vc", "dcc"):
        result = refused[tool, "revoked"]
        assert result["verified"] is False, result
        assert {"revoked", "status"} & set(result["reasons"]), result
        assert result["network"] == []


@pytest.mark.postgres
def test_parallel_issuances_for_the_same_reviewer_make_one_credential(app, in_app, reviewing):
    reviewing["close"]()

    def issue(_i):
        return issue_reviewer_credential(
            db.session.get(Competition, reviewing["competition"]),
            db.session.get(User, reviewing["done"].id),
            by=db.session.get(User, reviewing["admin"].id)).id

    results, errors = in_threads(app, 4, issue)
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(error, DomainError) for error in errors)
    assert _written(in_app) == (1, 1)
