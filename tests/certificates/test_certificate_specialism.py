"""The holder's specialism on the certificate (issue 18): in the signed credential as OB 3.0's
Achievement.specialization (still valid against 1EdTech's schema, and verifying), on the
verification page, on the PDF and in the register."""

from __future__ import annotations

import sqlalchemy as sa

from assessments.models import Application
from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support import login, ob_schema_errors, page_text

RU_TITLE = "Геотехника и управление горным давлением"


def awarded(create_user, create_competition, workflow, in_app, specialism, language="ru"):
    admin = create_user("admin")
    candidate = create_user("candidate", language=language)
    application_id = workflow.submitted(create_competition(), candidate)
    in_app(lambda: setattr(db.session.get(Application, application_id), "specialism",
                           specialism))
    for _ in range(2):
        workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
    workflow.decide(application_id, admin)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number).where(
        Certificate.application_id == application_id)))
    return admin, number


def test_the_specialism_is_in_the_credential_page_pdf_and_register(
        app, client, create_user, create_competition, workflow, in_app):
    admin, number = awarded(create_user, create_competition, workflow, in_app, "geotechnics")
    assert in_app(lambda: db.session.scalar(sa.select(Certificate.specialism))) == "geotechnics"

    document = client.get(f"/certificates/{number}/credential.json").get_json()
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["specialization"] == RU_TITLE and achievement["inLanguage"] == "ru"
    assert ob_schema_errors(document) == []
    checked = client.post("/api/v1/verify", json=document).get_json()
    assert checked["verified"] is True and checked["status"] == "valid"

    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert "Specialism" in page and "Geotechnics and ground control" in page
    assert RU_TITLE in page_text(client.get(f"/certificates/{number}.pdf?lang=ru").data)
    assert "Geotechnics and ground control" in page_text(
        client.get(f"/certificates/{number}.pdf?lang=en").data)

    answer = client.get(f"/api/v1/certificates/{number}").get_json()
    assert answer["specialism"] == {"code": "geotechnics", "title": {
        "en": "Geotechnics and ground control", "ru": RU_TITLE,
        "kk": "Геотехника және тау қысымын басқару"}}

    staff = app.test_client()
    login(staff, admin)
    register = staff.get("/certificates/").get_data(as_text=True)
    assert "Geotechnics and ground control" in register


def test_without_a_specialism_the_credential_has_none(client, create_user, create_competition,
                                                      workflow, in_app):
    _admin, number = awarded(create_user, create_competition, workflow, in_app, None, "en")
    document = client.get(f"/certificates/{number}/credential.json").get_json()
    assert "specialization" not in document["credentialSubject"]["achievement"]
    assert ob_schema_errors(document) == []
    assert "Specialism" not in client.get(f"/verify/{number}").get_data(as_text=True)
    assert client.get(f"/api/v1/certificates/{number}").get_json()["specialism"] is None
