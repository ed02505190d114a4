"""Issue 14, the rest of what got through: formulas in the bulk CSV, a superseded credential
that still verified, 500s for a body too large or JSON nested too deep, the OpenAPI server
taken from the Host header, and /issuer outside the public rate limit."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.core.audit import AuditEvent
from certify.core.extensions import db
from tests.support import PASSWORD, login

FORMULAS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
            ' =HYPERLINK("http://evil","x")', "\uff1dSUM(1)"]  # after a space; full-width
DEEP_JSON = "[" * 5000 + "]" * 5000
TOO_LARGE = 13 * 1024 * 1024  # MAX_CONTENT_LENGTH is 12 MB


def _rows(in_app):
    return in_app(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(
        AuditEvent)))


@pytest.fixture
def numbers(award, in_app):
    for _ in FORMULAS:
        award()

    def name_them():
        certificates = db.session.scalars(sa.select(Certificate).order_by(Certificate.id))
        numbers = []
        for certificate, name in zip(certificates, FORMULAS, strict=True):
            certificate.holder_name = name
            numbers.append(certificate.number)
        return numbers

    return in_app(name_them)


def test_bulk_csv_neutralises_every_formula_in_a_holder_name(client, numbers):
    upload = "\n".join(numbers).encode()
    response = client.post("/verify/bulk", data={
        "file": (io.BytesIO(upload), "numbers.csv"), "download": "y"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["Holder"] for row in rows] == ["'" + name for name in FORMULAS]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))


@pytest.fixture
def corrected(app, client, award, in_app):
    award()
    number, certificate_id = in_app(lambda: db.session.execute(
        sa.select(Certificate.number, Certificate.id)).one())
    old = client.get(f"/certificates/{number}/credential.json").get_json()
    admin = app.test_client()
    login(admin, award.admin)
    response = admin.post(f"/certificates/{certificate_id}/correct-name", data={
        "full_name": "Corrected Name", "reason": "Passport spelling."})
    assert response.status_code == 302
    new = client.get(f"/certificates/{number}/credential.json").get_json()
    return old, new


def test_a_corrected_credential_supersedes_the_old_one_on_the_page(client, corrected):
    old, new = corrected
    assert new["id"] != old["id"]
    page = client.post("/verify", data={"credential": json.dumps(old)})
    body = page.get_data(as_text=True)
    assert "genuine, issued by us" not in body
    assert "superseded by a newer credential" in body
    assert f'href="/verify/{new["credentialSubject"]["licenseNumber"]}"' in body  # our record
    upload = client.post("/verify", data={
        "file": (io.BytesIO(json.dumps(old).encode()), "old.json")}).get_data(as_text=True)
    assert "superseded by a newer credential" in upload
    current = client.post("/verify", data={"credential": json.dumps(new)})
    assert "genuine, issued by us" in current.get_data(as_text=True)


def test_a_corrected_credential_supersedes_the_old_one_in_the_api(client, corrected):
    old, new = corrected
    body = client.post("/api/v1/verify", json=old).get_json()
    assert body["verified"] is False and body["status"] == "superseded"
    assert {"check": "current", "ok": False,
            "detail": "superseded by a newer credential"} in body["checks"]
    body = client.post("/api/v1/verify", json=new).get_json()
    assert body["verified"] is True and body["status"] == "valid"


def test_a_form_too_large_answers_413_without_reading_it(app, client, create_user, in_app):
    huge = b"x" * TOO_LARGE
    page = client.post("/verify", data=b"credential=" + huge,
                       content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "too large" in page.get_data(as_text=True)
    user = create_user("candidate")
    login(client, user)
    before = _rows(in_app)
    signed_in = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "x" * TOO_LARGE})
    assert signed_in.status_code == 413
    api = client.post("/api/v1/verify", data=huge, content_type="application/json")
    assert api.status_code == 413 and set(api.get_json()) == {"error", "message"}
    assert _rows(in_app) == before


def test_json_nested_thousands_deep_answers_400(client):
    api = client.post("/api/v1/verify", data=DEEP_JSON, content_type="application/json")
    assert api.status_code == 400
    assert api.get_json()["error"] == "malformed" and "nested" in api.get_json()["message"]
    deep_object = '{"a":' * 5000 + "1" + "}" * 5000
    assert client.post("/api/v1/verify", data=deep_object,
                       content_type="application/json").status_code == 400
    bulk = client.post("/api/v1/certificates/bulk-verify", data=DEEP_JSON,
                       content_type="application/json")
    assert bulk.status_code == 400
    for data in ({"credential": DEEP_JSON},
                 {"file": (io.BytesIO(DEEP_JSON.encode()), "deep.json")}):
        page = client.post("/verify", data=data)
        assert page.status_code == 400
        assert "nested far too deeply" in page.get_data(as_text=True)
        assert 'name="credential"' in page.get_data(as_text=True)  # the form again


def test_openapi_server_is_the_public_address_not_the_host_header(app, client):
    forged = {"Host": "evil.example"}
    spec = client.get("/api/v1/openapi.json", headers=forged).get_json()
    public = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert spec["servers"] == [{"url": f"{public}/api/v1"}]
    docs = client.get("/api/v1/docs", headers=forged)
    assert "evil.example" not in docs.get_data(as_text=True)


def test_issuer_profile_shares_the_public_rate_limit(app, client):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    try:
        answers = [client.get("/issuer").status_code for _ in range(3)]
        limited = client.get("/issuer")
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = "300 per minute"
    assert answers == [200, 200, 200]
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
