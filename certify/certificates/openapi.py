"""The OpenAPI 3.1 description of the public API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from certify.certificates.openapi_examples import N_, embed
from certify.certificates.status import CertificateStatus
from rubrics.models import Track

STATUS = [str(status) for status in CertificateStatus]

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": N_(
            "A stable code for programs, such as not_found, malformed or too_many_requests")},
        "message": {"type": "string", "description": N_("What went wrong, for people")},
    },
}

TEXTS = {
    "type": "object",
    "description": N_("The same text in English, Russian and Kazakh"),
    "properties": {lang: {"type": "string"} for lang in ("en", "ru", "kk")},
}

CERTIFICATE = {
    "type": "object",
    "required": ["number", "status", "holder_name", "track", "title", "issued_at",
                 "valid_from", "valid_until", "verify_url", "credential_url", "band"],
    "properties": {
        "number": {"type": "string", "examples": ["UPME-KZ-2026-000123"],
                   "description": N_("The certificate number")},
        "status": {"type": "string", "enum": STATUS,
                   "description": N_("Today's status: valid, not yet valid, expired, "
                                     "suspended or revoked")},
        "holder_name": {"type": "string", "description": N_("The holder's name in Latin script")},
        "holder_name_native": {"type": ["string", "null"],
                               "description": N_("The holder's name in native script, or null")},
        "track": {"type": "string", "enum": [str(track) for track in Track],
                  "description": N_("The award track")},
        "title": {**TEXTS, "description": N_("The award's title in each language")},
        "issued_at": {"type": "string", "format": "date-time",
                      "description": N_("When the certificate was issued")},
        "valid_from": {"type": "string", "format": "date",
                       "description": N_("The first day of validity")},
        "valid_until": {"type": "string", "format": "date",
                        "description": N_("The last day of validity")},
        "revocation_reason": {"type": ["string", "null"],
                              "description": N_("Why it was revoked, or null")},
        "verify_url": {"type": "string", "format": "uri",
                       "description": N_("The public verification page")},
        "credential_url": {"type": "string", "format": "uri",
                           "description": N_("The signed Open Badges 3.0 credential")},
        "band": {"$ref": "#/components/schemas/Band"},
        "specialism": {"$ref": "#/components/schemas/Specialism"},
    },
}

BAND = {
    "description": N_("The award band decided with the certificate (a higher grade of the "
                      "award by score and named criteria, as its rubric version defines), or "
                      "null"),
    "oneOf": [
        {"type": "object", "required": ["code", "title"],
         "properties": {"code": {"type": "string", "examples": ["fellow"],
                                 "description": N_("The band's code in the rubric")},
                        "title": {**TEXTS, "description": N_("The band's title in each "
                                                              "language")}}},
        {"type": "null"},
    ],
}

SPECIALISM = {
    "description": N_("The holder's specialism, or null"),
    "oneOf": [
        {"type": "object", "required": ["code", "title"],
         "properties": {"code": {"type": "string", "examples": ["geotechnics"],
                                 "description": N_("The specialism's code")},
                        "title": {**TEXTS, "description": N_("The specialism's name in each "
                                                              "language")}}},
        {"type": "null"},
    ],
}

CHECK = {
    "type": "object",
    "required": ["check", "ok", "detail"],
    "properties": {
        "check": {"type": "string", "enum": ["format", "signature", "issuer_key", "revocation",
                                             "suspension", "status", "validity", "current"],
                  "description": N_("Which check")},
        "ok": {"type": ["boolean", "null"],
               "description": N_("true: passed; false: failed; null: the check could not be "
                                 "run (never counted as passed)")},
        "detail": {"type": "string", "description": N_("Why the check failed (empty when it "
                                                       "passed)")},
    },
}

PROOF = {
    "type": "object",
    "required": ["cryptosuite", "ok", "detail", "verificationMethod"],
    "properties": {
        "cryptosuite": {"type": "string",
                        "description": N_("eddsa-jcs-2022 and eddsa-rdfc-2022 are checked")},
        "ok": {"type": ["boolean", "null"],
               "description": N_("null: a cryptosuite this service does not check (reported, "
                                 "never counted as passed)")},
        "detail": {"type": "string", "description": N_("Why the proof failed (empty when it "
                                                       "verified)")},
        "verificationMethod": {"type": "string",
                               "description": N_("The key the proof names")},
    },
}


QUEUED_CHECK = {
    "type": "object",
    "required": ["state", "progress", "total", "status_url", "download_url"],
    "properties": {
        "state": {"type": "string", "enum": ["queued", "running", "done", "failed"],
                  "description": N_("Where the check stands")},
        "progress": {"type": "integer", "description": N_("Numbers checked so far")},
        "total": {"type": ["integer", "null"], "description": N_("Numbers to check")},
        "status_url": {"type": "string", "description": N_(
            "Its page: with Accept: application/json, the same fields and a message; the "
            "address is the only key to the results and expires after a day")},
        "download_url": {"type": ["string", "null"], "description": N_(
            "The CSV of results, once the check is done")},
    },
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def spec(server: str) -> dict[str, Any]:
    """The document, with a worked example for every request and response (openapi_examples)."""
    return embed(_document(server))


def _document(server: str) -> dict[str, Any]:
    too_many = {**_error_response(N_("Too many requests from this address; try again after "
                                     "the seconds the Retry-After header gives")),
                "headers": {"Retry-After": {"schema": {"type": "integer"}, "example": 60,
                                            "description": N_(
                    "Seconds until the next request is accepted")}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "certify public API",
            "version": "1.0.0",
            "description": N_(
                "Check the certificates issued here: look one up by number, verify a signed "
                "Open Badges 3.0 credential, or check up to 1,000 numbers at once. No "
                "authentication; requests are rate limited per client address."
            ),
        },
        "servers": [{"url": server}],
        "paths": {
            "/certificates/{number}": {
                "get": {
                    "operationId": "getCertificate",
                    "summary": N_("A certificate's public record and current status"),
                    "description": N_("Letter case and surrounding spaces in the number do not "
                                      "matter."),
                    "parameters": [{"name": "number", "in": "path", "required": True,
                                    "description": N_("The certificate number, as printed on "
                                                      "the certificate"),
                                    "schema": {"type": "string", "maxLength": 64}}],
                    "responses": {
                        "200": {"description": N_("The certificate"),
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Certificate"}}}},
                        "404": _error_response(N_("No certificate with this number")),
                        "429": too_many,
                    },
                },
            },
            "/verify": {
                "post": {
                    "operationId": "verifyCredential",
                    "summary": N_("Verify a signed credential (JSON body)"),
                    "description": N_("Send the credential as it is: its signature, the "
                                      "issuer's key, revocation, suspension and dates are "
                                      "checked against the issuer's records."),
                    "requestBody": {"required": True, "description": N_(
                        "An Open Badges 3.0 credential (the certificate's credential.json), at "
                        "most 256 KB"), "content": {
                        "application/json": {"schema": {"type": "object"}}}},
                    "responses": {
                        "200": {"description": N_("The checks and the overall result"),
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Verification"}}}},
                        "400": _error_response(N_("The body is not a JSON object")),
                        "413": _error_response(N_("The body is too large")),
                        "429": too_many,
                    },
                },
            },
            "/certificates/bulk-verify": {
                "post": {
                    "operationId": "bulkVerify",
                    "summary": N_("Check many certificate numbers"),
                    "description": N_("Up to 1,000 numbers: one result per number, in the "
                                      "order sent; a number that is not found is reported, "
                                      "not refused. Up to 50,000: the check is queued (202) "
                                      "and its CSV of results is fetched once ready."),
                    "requestBody": {"required": True, "description": N_(
                        "A JSON list of numbers (or an object with a numbers list), a CSV "
                        "body, or a CSV file uploaded as the form field file; in a CSV the "
                        "first column of each row is the number and a header row is skipped"),
                        "content": {
                        "application/json": {"schema": {"oneOf": [
                            {"type": "array", "items": {"type": "string"}, "minItems": 1,
                             "maxItems": 50000},
                            {"type": "object", "required": ["numbers"], "properties": {
                                "numbers": {"type": "array", "items": {"type": "string"},
                                            "minItems": 1, "maxItems": 50000}}},
                        ]}},
                        "text/csv": {"schema": {"type": "string", "pattern": "\\S"}},
                        "multipart/form-data": {"schema": {
                            "type": "object", "required": ["file"], "properties": {
                                "file": {"type": "string", "contentMediaType": "text/csv"}}}},
                    }},
                    "responses": {
                        "200": {"description": N_("One result per number, in order"),
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["results"],
                                    "properties": {"results": {"type": "array", "items": {
                                        "$ref": "#/components/schemas/BulkResult"}}}}}}},
                        "202": {"description": N_(
                            "More than 1,000 numbers: the check is queued. Poll status_url "
                            "(with Accept: application/json) until download_url is set"),
                                "headers": {"Location": {"schema": {"type": "string"},
                                                         "description": N_(
                                    "The address to poll, as status_url")}},
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/QueuedCheck"}}}},
                        "400": _error_response(N_("Not a list of numbers, or an empty one")),
                        "413": _error_response(N_("More than 50,000 numbers")),
                        "429": too_many,
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "Certificate": CERTIFICATE,
                "Band": BAND,
                "Specialism": SPECIALISM,
                "Check": CHECK,
                "QueuedCheck": QUEUED_CHECK,
                "Proof": PROOF,
                "Verification": {
                    "type": "object",
                    "required": ["verified", "status", "checks", "band"],
                    "properties": {
                        "verified": {"type": "boolean", "description": N_(
                            "true only when every check passed")},
                        "status": {"type": "string", "enum": [*STATUS, "superseded", "unverified"],
                                   "description": N_(
                                       "The certificate's status; superseded: an older copy of "
                                       "a re-issued credential; unverified: the credential "
                                       "could not be trusted")},
                        "checks": {"type": "array", "description": N_("Each check, in order"),
                                   "items": {"$ref": "#/components/schemas/Check"}},
                        "stated": {
                            "description": N_("What the credential says it is about, as it "
                                              "states it: confirmed only if the signature "
                                              "check passed"),
                            "type": "object",
                            "required": ["holder", "title", "number", "issuer"],
                            "properties": {name: {"type": "string"} for name in
                                           ("holder", "title", "number", "issuer")}},
                        "band": {"$ref": "#/components/schemas/Band",
                                 "description": N_("The band of the certificate this "
                                                   "credential belongs to, from the issuer's "
                                                   "records; null when the signature or issuer "
                                                   "key failed")},
                        "proofs": {"type": "array",
                                   "description": N_("Each proof of the credential, in order; "
                                                     "the signature check passes when one "
                                                     "checked proof verifies and none fails"),
                                   "items": {"$ref": "#/components/schemas/Proof"}},
                    },
                },
                "BulkResult": {
                    "oneOf": [
                        {"allOf": [{"$ref": "#/components/schemas/Certificate"},
                                   {"type": "object", "required": ["found"],
                                    "properties": {"found": {"const": True}}}]},
                        {"type": "object", "required": ["number", "found", "status"],
                         "properties": {"number": {"type": "string",
                                                   "description": N_("The number as sent")},
                                        "found": {"const": False, "description": N_(
                                            "Whether a certificate has this number")},
                                        "status": {"type": "null"}}},
                    ],
                },
            },
        },
    }
