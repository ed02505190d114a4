"""The OpenAPI 3.1 description of the public API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from certify.certificates.status import CertificateStatus
from rubrics.models import Track

STATUS = [str(status) for status in CertificateStatus]

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}

TEXTS = {
    "type": "object",
    "properties": {lang: {"type": "string"} for lang in ("en", "ru", "kk")},
}

CERTIFICATE = {
    "type": "object",
    "required": ["number", "status", "holder_name", "track", "title", "issued_at",
                 "valid_from", "valid_until", "verify_url", "credential_url", "band"],
    "properties": {
        "number": {"type": "string", "examples": ["UPME-KZ-2026-000123"]},
        "status": {"type": "string", "enum": STATUS},
        "holder_name": {"type": "string"},
        "holder_name_native": {"type": ["string", "null"]},
        "track": {"type": "string", "enum": [str(track) for track in Track]},
        "title": TEXTS,
        "issued_at": {"type": "string", "format": "date-time"},
        "valid_from": {"type": "string", "format": "date"},
        "valid_until": {"type": "string", "format": "date"},
        "revocation_reason": {"type": ["string", "null"]},
        "verify_url": {"type": "string", "format": "uri"},
        "credential_url": {"type": "string", "format": "uri"},
        "band": {"$ref": "#/components/schemas/Band"},
        "specialism": {
            "description": "The holder's specialism (issue 18), or null",
            "oneOf": [
                {"type": "object", "required": ["code", "title"],
                 "properties": {"code": {"type": "string", "examples": ["geotechnics"]},
                                "title": TEXTS}},
                {"type": "null"},
            ]},
    },
}

BAND = {
    "description": ("The award band decided with the certificate (a higher grade of the award "
                    "by score and named criteria, as its rubric version defines), or null"),
    "oneOf": [
        {"type": "object", "required": ["code", "title"],
         "properties": {"code": {"type": "string", "examples": ["fellow"]}, "title": TEXTS}},
        {"type": "null"},
    ],
}

CHECK = {
    "type": "object",
    "required": ["check", "ok", "detail"],
    "properties": {
        "check": {"type": "string", "enum": ["format", "signature", "issuer_key", "revocation",
                                             "suspension", "status", "validity", "current"]},
        "ok": {"type": ["boolean", "null"],
               "description": "null: the check could not be run (never counted as passed)"},
        "detail": {"type": "string"},
    },
}

PROOF = {
    "type": "object",
    "required": ["cryptosuite", "ok", "detail", "verificationMethod"],
    "properties": {
        "cryptosuite": {"type": "string",
                        "description": "eddsa-jcs-2022 and eddsa-rdfc-2022 are checked"},
        "ok": {"type": ["boolean", "null"],
               "description": "null: a cryptosuite this service does not check (reported, "
                              "never counted as passed)"},
        "detail": {"type": "string"},
        "verificationMethod": {"type": "string"},
    },
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def spec(server: str, centre: str) -> dict[str, Any]:
    """The OpenAPI document; *centre* is the issuer's English name (ISSUER_NAME), not retyped."""
    too_many = {**_error_response("Too many requests; see the Retry-After header"),
                "headers": {"Retry-After": {"schema": {"type": "integer"}}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "certify public API",
            "version": "1.0.0",
            "description": (
                f"Check certificates of the {centre}: look one up by number, verify a signed Open "
                "Badges 3.0 credential, or check up to 1,000 numbers at once. No "
                "authentication; requests are rate limited per client address."
            ),
        },
        "servers": [{"url": server}],
        "paths": {
            "/certificates/{number}": {
                "get": {
                    "operationId": "getCertificate",
                    "summary": "A certificate's public record and current status",
                    "parameters": [{"name": "number", "in": "path", "required": True,
                                    "schema": {"type": "string", "maxLength": 64}}],
                    "responses": {
                        "200": {"description": "The certificate",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Certificate"}}}},
                        "404": _error_response("No certificate with this number"),
                        "429": too_many,
                    },
                },
            },
            "/verify": {
                "post": {
                    "operationId": "verifyCredential",
                    "summary": "Verify a signed credential (JSON body)",
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"type": "object"}}}},
                    "responses": {
                        "200": {"description": "The checks and the overall result",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Verification"}}}},
                        "400": _error_response("The body is not a JSON object"),
                        "413": _error_response("The body is too large"),
                        "429": too_many,
                    },
                },
            },
            "/certificates/bulk-verify": {
                "post": {
                    "operationId": "bulkVerify",
                    "summary": "Check up to 1,000 certificate numbers",
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"oneOf": [
                            {"type": "array", "items": {"type": "string"}, "minItems": 1,
                             "maxItems": 1000},
                            {"type": "object", "required": ["numbers"], "properties": {
                                "numbers": {"type": "array", "items": {"type": "string"},
                                            "minItems": 1, "maxItems": 1000}}},
                        ]}},
                        "text/csv": {"schema": {"type": "string", "pattern": "\\S"}},
                        "multipart/form-data": {"schema": {
                            "type": "object", "required": ["file"], "properties": {
                                "file": {"type": "string", "contentMediaType": "text/csv"}}}},
                    }},
                    "responses": {
                        "200": {"description": "One result per number, in order",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["results"],
                                    "properties": {"results": {"type": "array", "items": {
                                        "$ref": "#/components/schemas/BulkResult"}}}}}}},
                        "400": _error_response("Not a list of numbers"),
                        "413": _error_response("More than 1,000 numbers"),
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
                "Check": CHECK,
                "Proof": PROOF,
                "Verification": {
                    "type": "object",
                    "required": ["verified", "status", "checks", "band"],
                    "properties": {
                        "verified": {"type": "boolean"},
                        "status": {"type": "string", "enum": [*STATUS, "superseded", "unverified"]},
                        "checks": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/Check"}},
                        "stated": {
                            "description": ("What the credential says it is about, as it "
                                            "states it: confirmed only if the signature "
                                            "check passed"),
                            "type": "object",
                            "required": ["holder", "title", "number", "issuer"],
                            "properties": {name: {"type": "string"} for name in
                                           ("holder", "title", "number", "issuer")}},
                        "band": {"$ref": "#/components/schemas/Band",
                                 "description": ("The band of the certificate this credential "
                                                 "belongs to, from the issuer's records; null "
                                                 "when the signature or issuer key failed")},
                        "proofs": {"type": "array",
                                   "description": "Each proof of the credential, in order; "
                                                  "the signature check passes when one "
                                                  "checked proof verifies and none fails",
                                   "items": {"$ref": "#/components/schemas/Proof"}},
                    },
                },
                "BulkResult": {
                    "oneOf": [
                        {"allOf": [{"$ref": "#/components/schemas/Certificate"},
                                   {"type": "object", "required": ["found"],
                                    "properties": {"found": {"const": True}}}]},
                        {"type": "object", "required": ["number", "found", "status"],
                         "properties": {"number": {"type": "string"},
                                        "found": {"const": False},
                                        "status": {"type": "null"}}},
                    ],
                },
            },
        },
    }
