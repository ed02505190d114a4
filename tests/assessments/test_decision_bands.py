"""Award bands (domain_anchors §3.4 rule 6): decided by the engine with the award, recorded on
the decision and the certificate, shown on the verify page, the PDF and the credential."""

from __future__ import annotations

import copy
import io
from datetime import timedelta

import jsonschema
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from assessments.models import Competition, Decision
from assessments.scoring import award_band
from certify.certificates.models import Certificate
from certify.core.db_types import utcnow
from certify.core.extensions import db
from rubrics.io import import_rubric
from tests.support import SMALL_RUBRIC, ob_schema_errors

BANDS = [
    {"code": "member", "min_score": 50,
     "title": {"en": "Member grade", "ru": "Степень члена", "kk": "Мүше дәрежесі"}},
    {"code": "fellow", "min_score": 75, "min_levels": {"C1": 3},
     "title": {"en": "Fellow grade", "ru": "Степень почётного члена",
               "kk": "Құрметті мүше дәрежесі"}},
]


def test_award_band_by_score_and_named_criteria():
    assert award_band(80.0, {"C1": 3.0}, BANDS) == "fellow"
    assert award_band(80.0, {"C1": 2.5}, BANDS) == "member"  # C1 below 3: the lower band
    assert award_band(74.9, {"C1": 4.0}, BANDS) == "member"
    assert award_band(49.0, {"C1": 4.0}, BANDS) is None
    assert award_band(float("nan"), {}, BANDS) is None
    assert award_band(90.0, {"C1": 4.0}, []) is None


@pytest.fixture
def banded_competition(in_app):
    document = copy.deepcopy(SMALL_RUBRIC)
    document["code"] = "TEST-B"
    document["version"]["bands"] = BANDS

    def work():
        version = import_rubric(document)
        now = utcnow()
        competition = Competition(
            title={"en": "Banded call", "ru": "Конкурс", "kk": "Конкурс"},
            rubric_version_id=version.id, state="open", opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=30), min_reviewers=2, blind_review=False)
        db.session.add(competition)
        db.session.flush()
        return competition.id

    return in_app(work)


@pytest.mark.parametrize(("levels", "band"), [((4, 3, 3), "fellow"), ((2, 4, 4), "member")])
def test_the_band_is_decided_and_printed(app, banded_competition, create_user, workflow, in_app,
                                         levels, band):
    admin = create_user("admin")
    application_id = workflow.submitted(banded_competition, create_user("candidate"))
    for reviewer in (create_user("reviewer"), create_user("reviewer")):
        workflow.review(workflow.assign(application_id, reviewer, admin), levels=levels)
    workflow.decide(application_id, admin, "award")

    def load():
        decision = db.session.scalar(sa.select(Decision))
        certificate = db.session.scalar(sa.select(Certificate))
        return decision.band, certificate.band, certificate.number, certificate.credential

    decided, printed, number, credential = in_app(load)
    assert decided == printed == band
    title = {"fellow": "Fellow grade", "member": "Member grade"}[band]
    public = app.test_client()
    page = public.get(f"/verify/{number}").get_data(as_text=True)
    assert title in page
    pdf = public.get(f"/certificates/{number}.pdf?lang=en")
    assert title in " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    subject = credential["credentialSubject"]
    description = subject["achievement"]["resultDescription"][0]
    assert description["resultType"] == "RubricCriterionLevel"
    levels_by_id = {level["id"]: level["level"] for level in description["rubricCriterionLevel"]}
    result = subject["result"][0]
    assert result["resultDescription"] == description["id"]
    assert levels_by_id[result["achievedLevel"]] == band
    assert public.get(f"/certificates/{number}/credential.json").get_json()["credentialSubject"][
        "result"] == subject["result"]
    assert ob_schema_errors(credential) == []
    image = subject["achievement"]["image"]["id"]
    assert image.endswith(f"/badges/professor/{band}.svg")
    badge = public.get(image.removeprefix("http://127.0.0.1:5000"))
    assert badge.status_code == 200 and title.upper().encode() in badge.data


def test_without_bands_nothing_is_printed(award, in_app):
    award()
    assert in_app(lambda: db.session.scalar(sa.select(Certificate.band))) is None
    credential = in_app(lambda: db.session.scalar(sa.select(Certificate.credential)))
    assert "result" not in credential["credentialSubject"]


@pytest.fixture
def fellow(app, banded_competition, create_user, workflow, in_app):
    """An award in the 'fellow' band, its certificate issued: (application id, number)."""
    admin = create_user("admin")
    application_id = workflow.submitted(banded_competition, create_user("candidate"))
    for reviewer in (create_user("reviewer"), create_user("reviewer")):
        workflow.review(workflow.assign(application_id, reviewer, admin), levels=(4, 3, 3))
    workflow.decide(application_id, admin, "award")
    return application_id, in_app(lambda: db.session.scalar(sa.select(Certificate.number)))


FELLOW = {"code": "fellow", "title": BANDS[1]["title"]}


def conforms(client, name: str, answer: dict) -> None:
    """The answer matches the OpenAPI document's schema ``name`` (raises otherwise)."""
    components = client.get("/api/v1/openapi.json").get_json()["components"]
    jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": components}).validate(answer)


def test_the_band_is_in_the_public_api(client, fellow):
    _, number = fellow
    record = client.get(f"/api/v1/certificates/{number}").get_json()
    assert record["band"] == FELLOW
    conforms(client, "Certificate", record)
    results = client.post("/api/v1/certificates/bulk-verify", json=[number]).get_json()
    assert results["results"][0]["band"] == FELLOW
    credential = client.get(f"/certificates/{number}/credential.json").get_json()
    answer = client.post("/api/v1/verify", json=credential).get_json()
    assert answer["verified"] is True and answer["band"] == FELLOW
    conforms(client, "Verification", answer)
    forged = {**credential, "validUntil": "2099-01-01T00:00:00Z"}  # not ours any more
    assert client.post("/api/v1/verify", json=forged).get_json()["band"] is None


def test_without_a_band_the_api_says_none(client, award, in_app):
    award()
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    assert client.get(f"/api/v1/certificates/{number}").get_json()["band"] is None
    credential = client.get(f"/certificates/{number}/credential.json").get_json()
    assert client.post("/api/v1/verify", json=credential).get_json()["band"] is None


@pytest.mark.parametrize(("table", "expected"), [
    ("decisions", "band member recomputes as fellow"),
    ("certificates", "the certificate's band member differs from the decision's fellow"),
])
def test_scores_verify_reports_a_tampered_band(runner, fellow, in_app, table, expected):
    """Written behind the application (the band is not in the ratings' digest): `scores
    verify` recomputes the band and compares it with the decision and the certificate."""
    assert runner.invoke(args=["scores", "verify"]).exit_code == 0
    application_id, _ = fellow
    in_app(lambda: db.session.execute(sa.text(
        f"UPDATE {table} SET band = 'member' WHERE application_id = :id"),  # noqa: S608
        {"id": application_id}))
    result = runner.invoke(args=["scores", "verify"])
    assert result.exit_code == 1, result.output
    assert expected in result.output
