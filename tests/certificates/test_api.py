"""The public API, its OpenAPI description, the bulk check page and the PDF."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from certify.certificates import credentials as vc
from certify.certificates.models import Certificate
from certify.certificates.status import credential_status
from certify.certificates.verification import verify_document
from certify.core.extensions import db
from tests.support import login


def test_certificate_lookup(client, numbers):
    response = client.get(f"/api/v1/certificates/{numbers[0].lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"number", "status", "holder_name", "holder_name_native", "track",
                         "title", "issued_at", "valid_from", "valid_until", "revocation_reason",
                         "verify_url", "credential_url", "band", "specialism"}
    assert body["number"] == numbers[0] and body["status"] == "valid"
    assert body["title"]["kk"] == "ЮНЕСКО тау-кен ісі профессоры"
    assert "email" not in json.dumps(body)


@pytest.mark.parametrize("number", ["UPME-KZ-2026-999999", "nonsense", "' OR 1=1 --"])
def test_unknown_numbers_answer_a_json_404(client, number):
    response = client.get(f"/api/v1/certificates/{number}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_verify_endpoint(client, numbers):
    credential = client.get(f"/certificates/{numbers[0]}/credential.json").get_json()
    body = client.post("/api/v1/verify", json=credential).get_json()
    assert body["verified"] is True and body["status"] == "valid"
    assert [c["check"] for c in body["checks"]] == [
        "format", "signature", "issuer_key", "revocation", "suspension", "validity",
        "current"]
    credential["validUntil"] = "2099-01-01T00:00:00Z"
    body = client.post("/api/v1/verify", json=credential).get_json()
    assert body["verified"] is False and body["status"] == "unverified"
    assert {c["check"]: c["ok"] for c in body["checks"]}["signature"] is False


@pytest.mark.parametrize(("moment", "expected"), [
    ("before", "not_yet_valid"), ("during", "valid"), ("after", "expired"),
])
def test_a_credentials_status_follows_its_own_dates(app, client, numbers, moment, expected):
    credential = client.get(f"/certificates/{numbers[0]}/credential.json").get_json()
    valid_from, valid_until = vc.validity_period(credential)
    checked_at = {"before": valid_from - timedelta(seconds=1),
                  "during": valid_from + timedelta(days=1),
                  "after": valid_until + timedelta(seconds=1)}[moment]
    with app.app_context():
        result = verify_document(credential, now=checked_at)
        assert credential_status(credential, result, checked_at) == expected


@pytest.mark.parametrize(("data", "status"), [
    ("not json", 400), ("[1,2]", 400), ("", 400), ("{" * 10, 400),
    ("{\"a\": \"" + "x" * 300_000 + "\"}", 413),
])
def test_verify_refuses_malformed_bodies(client, data, status):
    response = client.post("/api/v1/verify", data=data, content_type="application/json")
    assert response.status_code == status
    assert set(response.get_json()) == {"error", "message"}


def test_revoked_credential_status(app, client, numbers, award, in_app):
    credential = client.get(f"/certificates/{numbers[0]}/credential.json").get_json()
    certificate_id = in_app(lambda: db.session.scalar(
        sa.select(Certificate.id).where(Certificate.number == numbers[0])))
    admin = app.test_client()
    login(admin, award.admin)
    admin.post(f"/certificates/{certificate_id}/revoke", data={"confirm": "y",
                                                               "reason": "Forged evidence."})
    body = client.post("/api/v1/verify", json=credential).get_json()
    assert body["status"] == "revoked" and body["verified"] is False
    assert client.get(f"/api/v1/certificates/{numbers[0]}").get_json()[
        "revocation_reason"] == "Forged evidence."


def test_bulk_verify_json_and_csv(client, numbers):
    body = client.post("/api/v1/certificates/bulk-verify",
                       json=[numbers[1], "UPME-KZ-2026-999999", numbers[0]]).get_json()
    assert [r["found"] for r in body["results"]] == [True, False, True]
    assert body["results"][1] == {"number": "UPME-KZ-2026-999999", "found": False,
                                  "status": None}
    csv_text = "number\n" + "\n".join(numbers) + "\n"
    body = client.post("/api/v1/certificates/bulk-verify", data=csv_text,
                       content_type="text/csv").get_json()
    assert [r["number"] for r in body["results"]] == numbers
    upload = client.post("/api/v1/certificates/bulk-verify", data={
        "file": (io.BytesIO(csv_text.encode()), "numbers.csv")}).get_json()
    assert len(upload["results"]) == 2
    body = client.post("/api/v1/certificates/bulk-verify", json={"numbers": numbers}).get_json()
    assert len(body["results"]) == 2


@pytest.mark.parametrize(("payload", "status"), [
    ({"json": {"numbers": "x"}}, 400), ({"json": []}, 400), ({"json": [1, 2]}, 400),
    ({"json": ["CME-KZ-2026-000001"] * 50_001}, 413),
])
def test_bulk_verify_errors(client, payload, status):
    response = client.post("/api/v1/certificates/bulk-verify", **payload)
    assert response.status_code == status
    assert set(response.get_json()) == {"error", "message"}


def test_bulk_csv_with_odd_line_ends_or_unreadable_fields(client, numbers):
    """Found by schemathesis: a lone carriage return inside a CSV upload was a 500."""
    lone_cr = f"{numbers[0]}\r{numbers[1]}".encode()
    for url in ("/api/v1/certificates/bulk-verify", "/verify/bulk"):
        response = client.post(url, data={"file": (io.BytesIO(lone_cr), "n.csv")})
        assert response.status_code == 200
        assert numbers[1] in response.get_data(as_text=True)
    huge_field = b"x" * 200_000  # beyond the csv module's field limit
    api = client.post("/api/v1/certificates/bulk-verify",
                      data={"file": (io.BytesIO(huge_field), "n.csv")})
    assert api.status_code == 400 and api.get_json()["error"] == "malformed"
    page = client.post("/verify/bulk", data={"file": (io.BytesIO(huge_field), "n.csv")})
    assert page.status_code == 400 and "one per row" in page.get_data(as_text=True)


def test_rate_limit_answers_429_with_retry_after(app, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/certificates/CME-KZ-2026-000001").status_code
                 for _ in range(3)]
        limited = client.get("/api/v1/certificates/CME-KZ-2026-000001")
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"
    assert codes == [404, 404, 404]
    assert limited.status_code == 429
    assert limited.get_json()["error"] == "too_many_requests"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # The window's figures are not sent on every answer (two store round trips each).
    assert not any(name.startswith("X-RateLimit") for name, _ in limited.headers.items())


def test_public_pages_share_one_rate_limit_per_client(app, client, numbers):
    app.config["PUBLIC_RATE_LIMIT"] = "4 per minute"
    try:
        answers = [client.get(f"/verify/{numbers[0]}").status_code,
                   client.get(f"/certificates/{numbers[0]}.pdf").status_code,
                   client.get(f"/certificates/{numbers[0]}/credential.json").status_code,
                   client.get("/status/revocation-1").status_code]
        page = client.get(f"/verify/{numbers[1]}")
        pdf = client.get(f"/certificates/{numbers[1]}.pdf")
        elsewhere = app.test_client().get(f"/verify/{numbers[1]}",
                                          environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = "300 per minute"
    assert answers == [200, 200, 200, 200]
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    assert 0 < int(page.headers["Retry-After"]) <= 60
    assert pdf.status_code == 429
    assert elsewhere == 200  # another address has its own budget


def test_openapi_document_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {path for path in spec["paths"]}
    routes = {rule.rule.removeprefix("/api/v1").replace("<number>", "{number}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint not in ("api.openapi", "api.docs")}
    assert routes == documented
    assert client.get("/api/v1/docs").status_code == 200


def test_api_needs_no_csrf_token(app, numbers):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/api/v1/certificates/bulk-verify", json=numbers)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200


def test_bulk_page_shows_and_downloads(client, numbers):
    csv_text = "\n".join([numbers[0], "=cmd|' /C calc'!A0", "UPME-KZ-2026-999999"])
    page = client.post("/verify/bulk", data={"file": (io.BytesIO(csv_text.encode()), "n.csv")})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert numbers[0] in body and "not found" in body
    download = client.post("/verify/bulk", data={
        "file": (io.BytesIO(csv_text.encode()), "n.csv"), "download": "y"})
    assert download.mimetype == "text/csv"
    text = download.get_data(as_text=True)
    assert text.splitlines()[0].startswith("Certificate number,Found,Status,Holder,Award title")
    assert "\n'=CMD" in text  # a formula in the input comes back neutralised
    empty = client.post("/verify/bulk", data={})
    assert empty.status_code == 400 and "Choose a file." in empty.get_data(as_text=True)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_certificate_pdf(client, numbers, language):
    response = client.get(f"/certificates/{numbers[0]}.pdf?lang={language}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert numbers[0] in text
    expected = {"en": "UNESCO Professor of Mining Engineering",
                "ru": "Профессор ЮНЕСКО горного дела",
                "kk": "ЮНЕСКО тау-кен ісі профессоры"}[language]
    assert expected in " ".join(text.split())
    assert client.get(f"/certificates/{numbers[0]}.pdf?lang=de").status_code == 404
    assert client.get("/certificates/UPME-KZ-2026-999999.pdf").status_code == 404
