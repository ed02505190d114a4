"""The public JSON API (documented in openapi.py): look up, verify, bulk-verify.

Read-only and session-free, so CSRF does not apply; every endpoint is rate limited per client
address (API_RATE_LIMIT) and answers errors as JSON: {"error": code, "message": text}.
"""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request

from certify.certificates import credentials as vc
from certify.certificates.api_docs import docs_page
from certify.certificates.blueprint import api_bp as bp
from certify.certificates.bulk import (
    band_json,
    bulk_results,
    certificate_json,
    csv_text,
    numbers_from_csv,
    verify_limits,
)
from certify.certificates.bulk_jobs import start_check
from certify.certificates.facts import stated_facts
from certify.certificates.lookups import find_certificates
from certify.certificates.numbering import normalise
from certify.certificates.openapi import spec
from certify.certificates.status import credential_status
from certify.certificates.verification import certificate_for, verify_document
from certify.core.db_types import utcnow
from certify.core.extensions import autocommit_reads, csrf, limiter
from certify.core.jobs import BackgroundJob, JobState
from certify.core.public_cache import cached
from certify.core.urls import absolute_url

csrf.exempt(bp)


def _rate() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_rate)(bp)


def error(code: str, message: str, status: int):
    response = jsonify(error=code, message=message)
    response.status_code = status
    return response


@bp.get("/certificates/<number>")
def certificate(number: str):
    number = normalise(number)
    return cached(f"api:{number}", lambda: _certificate_answer(number))


def _certificate_answer(number: str):
    autocommit_reads()
    found = find_certificates([number]).get(number)
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
    now = utcnow()
    result = verify_document(document, now=now)
    return jsonify({**result.as_dict(), "status": credential_status(document, result, now),
                    "band": _band_of(document, result),
                    "stated": stated_facts(document)})


def _band_of(document: dict, result: vc.Verification):
    """The band of the certificate a credential of ours belongs to, from our records; None for
    a credential whose signature or issuer key failed (nothing it says is taken)."""
    outcome = {check.check: check.ok for check in result.checks}
    if not (outcome.get("signature") and outcome.get("issuer_key")):
        return None
    certificate = certificate_for(document)
    return band_json(certificate) if certificate is not None else None


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
        text = csv_text(raw)
        if text is None:
            return "The CSV file is not UTF-8 text."
        numbers = numbers_from_csv(text)
        if numbers is None:
            return "The CSV file could not be read: check that it has one number per row."
    else:
        try:
            payload = request.get_json(silent=True)
        except RecursionError:  # nested thousands deep: not a list of numbers either
            payload = None
        if isinstance(payload, dict):
            payload = payload.get("numbers")
        if not isinstance(payload, list) or not all(isinstance(n, str) for n in payload):
            return 'Send a JSON list of certificate numbers (or {"numbers": [...]}), or a CSV.'
        numbers = payload
    return [normalise(n) for n in numbers]


@bp.post("/certificates/bulk-verify")
def bulk_verify():
    """Up to VERIFY_JOB_ROWS numbers answered at once; more (up to VERIFY_JOB_MAX_ROWS) queued:
    202 with the address to poll until the CSV of results is ready."""
    numbers = _numbers_from_request()
    if isinstance(numbers, str):
        return error("malformed", numbers, 400)
    if not numbers:
        return error("empty", "No certificate numbers were sent.", 400)
    direct, most = verify_limits()
    if len(numbers) > most:
        return error("too_many", f"At most {most} numbers per request.", 413)
    if len(numbers) > direct:
        job, token = start_check(numbers)
        response = jsonify(_job_json(job, token))
        response.status_code = 202
        response.headers["Location"] = response.get_json()["status_url"]
        return response
    return jsonify(results=bulk_results(numbers))


def _job_json(job: BackgroundJob, token: str) -> dict:
    """A queued check: its state, and where to poll it (its public page, which answers JSON
    to ``Accept: application/json``) and fetch its results once done."""
    return {"state": job.state.value, "progress": job.progress, "total": job.total,
            "status_url": absolute_url("certificates.verify_bulk_job", token=token),
            "download_url": (absolute_url("certificates.verify_bulk_results", token=token)
                             if job.state == JobState.done else None)}


def _server() -> str:
    """The API's address on PUBLIC_BASE_URL, never the request's Host header."""
    return absolute_url("api.openapi").rsplit("/", 1)[0]


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec(server=_server()))


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", page=docs_page(spec(server=_server())),
                           openapi_url=absolute_url("api.openapi"))
