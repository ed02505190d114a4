"""The public JSON API (documented in openapi.py): look up, verify, bulk-verify.

Read-only and session-free, so CSRF does not apply; every endpoint is rate limited per client
address (API_RATE_LIMIT) and answers errors as JSON: {"error": code, "message": text}.
"""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa
from flask import current_app, jsonify, request, url_for
from sqlalchemy.orm import defer

from certify.certificates import credentials as vc
from certify.certificates.blueprint import api_bp as bp
from certify.certificates.models import NUMBER_PATTERN, Certificate
from certify.certificates.openapi import spec
from certify.certificates.signing import base_url, verify_document
from certify.core.extensions import autocommit_reads, csrf, db, limiter
from certify.core.public_cache import cached

BULK_LIMIT = 1000

csrf.exempt(bp)


def _rate() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_rate)(bp)


def error(code: str, message: str, status: int):
    response = jsonify(error=code, message=message)
    response.status_code = status
    return response


def certificate_json(certificate: Certificate) -> dict:
    return {
        "number": certificate.number,
        "status": str(certificate.status),
        "holder_name": certificate.holder_name,
        "holder_name_native": certificate.holder_name_native,
        "track": certificate.track,
        "title": current_app.config["AWARD_TITLES"][certificate.track],
        "issued_at": certificate.issued_at.isoformat(),
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "revocation_reason": certificate.revocation_reason,
        "verify_url": f"{base_url()}/verify/{certificate.number}",
        "credential_url": f"{base_url()}/certificates/{certificate.number}/credential.json",
    }


def _lookup(numbers: list[str]) -> dict[str, Certificate]:
    wanted = [n for n in numbers if re.match(NUMBER_PATTERN, n)]
    if not wanted:
        return {}
    # certificate_json does not show the signed credential (about 10 KB of JSON a row).
    found = db.session.scalars(sa.select(Certificate).where(Certificate.number.in_(wanted))
                               .options(defer(Certificate.credential)))
    return {c.number: c for c in found}


@bp.get("/certificates/<number>")
def certificate(number: str):
    number = number.strip().upper()
    return cached(f"api:{number}", lambda: _certificate_answer(number))


def _certificate_answer(number: str):
    autocommit_reads()
    found = _lookup([number]).get(number)
    if found is None:
        return error("not_found", f"No certificate with number {number}.", 404)
    return jsonify(certificate_json(found))


@bp.post("/verify")
def verify():
    data = request.get_data(cache=False)
    if len(data) > current_app.config["API_MAX_CREDENTIAL_BYTES"]:
        return error("too_large", "The credential is too large.", 413)
    try:
        document = vc.parse(data)
    except vc.CredentialError as problem:
        return error("malformed", f"Send a credential as a JSON object: {problem}", 400)
    result = verify_document(document)
    body = result.as_dict()
    statuses = {c.check: c.ok for c in result.checks}
    if statuses.get("revocation") is False:
        body["status"] = "revoked"
    elif statuses.get("suspension") is False:
        body["status"] = "suspended"
    elif statuses.get("validity") is False:
        detail = next(c.detail for c in result.checks if c.check == "validity")
        body["status"] = "not_yet_valid" if detail == "not yet valid" else "expired"
    elif not result.verified:
        body["status"] = "unverified"
    else:
        body["status"] = "valid"
    return jsonify(body)


def numbers_from_csv(text: str) -> list[str] | None:
    """The first column of every non-empty row, upper-cased, without a header row; None when
    the text is not CSV the csv module can read."""
    try:
        # newline="": the csv module itself splits rows, at \n, \r\n or a lone \r.
        rows = [row for row in csv.reader(io.StringIO(text, newline=""))
                if row and row[0].strip()]
    except csv.Error:
        return None
    numbers = [row[0].strip().upper() for row in rows]
    if len(numbers) > 1 and not re.match(NUMBER_PATTERN, numbers[0]):
        numbers = numbers[1:]  # a header row
    return numbers


def _numbers_from_request() -> list[str] | str:
    """The numbers of a bulk request (a JSON list, or a CSV upload / body with one number per
    row, first column), or an error message."""
    upload = request.files.get("file")
    pasted = request.form.get("file")  # a CSV sent as a plain form field
    if upload is not None or pasted is not None or (request.mimetype or "").startswith(
            "text/csv"):
        if upload is not None:
            raw = upload.read()
        elif pasted is not None:
            raw = pasted.encode("utf-8")
        else:
            raw = request.get_data()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "The CSV file is not UTF-8 text."
        numbers = numbers_from_csv(text)
        if numbers is None:
            return "The CSV file could not be read: check that it has one number per row."
    else:
        payload = request.get_json(silent=True)
        if isinstance(payload, dict):
            payload = payload.get("numbers")
        if not isinstance(payload, list) or not all(isinstance(n, str) for n in payload):
            return 'Send a JSON list of certificate numbers (or {"numbers": [...]}), or a CSV.'
        numbers = payload
    return [n.strip().upper() for n in numbers]


def bulk_results(numbers: list[str]) -> list[dict]:
    found = _lookup(numbers)
    results = []
    for number in numbers:
        certificate = found.get(number)
        if certificate is None:
            results.append({"number": number, "found": False, "status": None})
        else:
            results.append({"found": True, **certificate_json(certificate)})
    return results


@bp.post("/certificates/bulk-verify")
def bulk_verify():
    numbers = _numbers_from_request()
    if isinstance(numbers, str):
        return error("malformed", numbers, 400)
    if not numbers:
        return error("empty", "No certificate numbers were sent.", 400)
    if len(numbers) > BULK_LIMIT:
        return error("too_many", f"At most {BULK_LIMIT} numbers per request.", 413)
    return jsonify(results=bulk_results(numbers))


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec(server=url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


@bp.get("/docs")
def docs():
    from flask import render_template

    document = spec(server=url_for("api.openapi", _external=True).rsplit("/", 1)[0])
    return render_template("api/docs.html", spec=document)
