"""The worked examples of the public API: for each operation, the requests a client may send
and the answer each one gets, success and every documented error.

They are embedded in the OpenAPI document (``examples`` on the parameter or request body, and
on the response, paired by the example's name) and rendered on /api/v1/docs as a curl command
and the JSON answer. The answers were taken from real calls and are kept honest by
tests/certificates/test_api_examples.py, which sends every example request to the API and
compares the answer with the documented one. Summaries are marked with ``N_`` for the catalogs:
the document stays English (the machine contract), the docs page translates them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NUMBER = "UPME-KZ-2026-000123"
UNKNOWN = "UPME-KZ-2026-999999"
SITE = "https://certify.example.org"
JOB_PAGE_KEY = "Vq3x0m9kQ2fJcR8tYwZp5LbN7dHs4eUa1oGiKyXvTEc"  # a made-up bulk-check page address
CREDENTIAL = json.loads((Path(__file__).with_name("examples") / "credential.json").read_text(
    encoding="utf-8"))


def N_(text: str) -> str:  # noqa: N802 - the conventional marker for a message kept as is
    """Mark a text for translation on the docs page; the OpenAPI document keeps the English."""
    return text


@dataclass(frozen=True)
class Example:
    """One request and the answer it gets.

    ``media`` is the request body's media type (None: no body, the ``number`` path parameter
    carries the input); ``build`` describes a body too large to embed (see ``request_value``).
    """

    name: str
    summary: str
    status: str
    response: dict[str, Any]
    number: str | None = None
    media: str | None = None
    body: Any = None
    build: dict[str, Any] | None = None


RECORD = {
    "number": NUMBER,
    "status": "valid",
    "holder_name": "Aigerim Sadykova",
    "holder_name_native": "Айгерім Садықова",
    "track": "professor",
    "title": {"en": "UNESCO Professor of Mining Engineering",
              "ru": "Профессор ЮНЕСКО горного дела",
              "kk": "ЮНЕСКО тау-кен ісі профессоры"},
    "issued_at": "2026-05-20T09:30:00+00:00",
    "valid_from": "2026-05-20",
    "valid_until": "2031-05-20",
    "revocation_reason": None,
    "verify_url": f"{SITE}/verify/{NUMBER}",
    "credential_url": f"{SITE}/certificates/{NUMBER}/credential.json",
    "band": {"code": "distinction",
             "title": {"en": "With distinction", "ru": "С отличием", "kk": "Үздік"}},
    "specialism": {"code": "geotechnics",
                   "title": {"en": "Geotechnics and ground control",
                             "ru": "Геотехника и управление горным давлением",
                             "kk": "Геотехника және тау қысымын басқару"}},
}

CHECKS = ("format", "signature", "issuer_key", "revocation", "suspension", "validity",
          "current")
KEY = CREDENTIAL["proof"][0]["verificationMethod"]

VERIFICATION = {
    "verified": True,
    "checks": [{"check": check, "ok": True, "detail": ""} for check in CHECKS],
    "proofs": [{"cryptosuite": suite, "ok": True, "detail": "", "verificationMethod": KEY}
               for suite in ("eddsa-jcs-2022", "eddsa-rdfc-2022")],
    "status": "valid",
    "band": RECORD["band"],
    "stated": {"holder": "Aigerim Sadykova", "title": "UNESCO Professor of Mining Engineering",
               "number": NUMBER,
               "issuer": CREDENTIAL["issuer"]["name"]},  # as the credential names it
}

RATE_LIMITED = {"error": "too_many_requests",
                "message": "Too many attempts. Please wait and try again later."}


def _error(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


EXAMPLES: dict[str, list[Example]] = {
    "getCertificate": [
        Example("found", N_("A certificate that exists"), "200", RECORD, number=NUMBER),
        Example("unknown", N_("A number that was never issued"), "404",
                _error("not_found", f"No certificate with number {UNKNOWN}."), number=UNKNOWN),
        Example("rateLimited", N_("One request too many from the same address"), "429",
                RATE_LIMITED, number=NUMBER),
    ],
    "verifyCredential": [
        Example("credential", N_("A certificate's credential.json, as downloaded"), "200",
                VERIFICATION, media="application/json", body=CREDENTIAL),
        Example("notAnObject", N_("A body that is not a JSON object"), "400",
                _error("malformed", "Send a credential as a JSON object: "
                                    "a credential is a JSON object"),
                media="application/json", body=[NUMBER]),
        Example("tooLarge", N_("A body over 256 KB"), "413",
                _error("too_large", "The credential is too large."),
                media="application/json", build={"padding": 256 * 1024}),
        Example("rateLimited", N_("One request too many from the same address"), "429",
                RATE_LIMITED, media="application/json", body=CREDENTIAL),
    ],
    "bulkVerify": [
        Example("list", N_("A JSON list of numbers"), "200",
                {"results": [{"found": True, **RECORD},
                             {"number": UNKNOWN, "found": False, "status": None}]},
                media="application/json", body=[NUMBER, UNKNOWN]),
        Example("csv", N_("A CSV file, one number per row"), "200",
                {"results": [{"found": True, **RECORD}]},
                media="text/csv", body=f"number\n{NUMBER}\n"),
        Example("upload", N_("A CSV file uploaded as a form"), "200",
                {"results": [{"found": True, **RECORD}]},
                media="multipart/form-data", body={"file": f"{NUMBER}\n"}),
        Example("notNumbers", N_("Something other than a list of numbers"), "400",
                _error("malformed", 'Send a JSON list of certificate numbers '
                                    '(or {"numbers": [...]}), or a CSV.'),
                media="application/json", body={"numbers": NUMBER}),
        Example("empty", N_("An empty list"), "400",
                _error("empty", "No certificate numbers were sent."),
                media="application/json", body=[]),
        Example("queued", N_("More than 1,000 numbers"), "202",
                {"state": "queued", "progress": 0, "total": 1001,
                 "status_url": f"{SITE}/verify/bulk/jobs/{JOB_PAGE_KEY}", "download_url": None},
                media="application/json", build={"repeat": NUMBER, "count": 1001}),
        Example("tooMany", N_("More than 50,000 numbers"), "413",
                _error("too_many", "At most 50000 numbers per request."),
                media="application/json", build={"repeat": NUMBER, "count": 50001}),
        Example("rateLimited", N_("One request too many from the same address"), "429",
                RATE_LIMITED, media="application/json", body=[NUMBER]),
    ],
}


def request_value(example: dict[str, Any]) -> Any:
    """The body an OpenAPI request example stands for: its ``value``, or for a body too large
    to embed, what its ``x-build`` describes (a list repeating one number ``count`` times, or
    a JSON object padded past ``padding`` bytes)."""
    if "value" in example:
        return example["value"]
    build = example["x-build"]
    if "repeat" in build:
        return [build["repeat"]] * build["count"]
    return {"padding": "x" * build["padding"]}


def _request_example(example: Example) -> dict[str, Any]:
    entry: dict[str, Any] = {"summary": example.summary}
    if example.build is not None:
        entry["x-build"] = example.build
    else:
        entry["value"] = example.body
    return entry


def embed(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every example in its place (changes ``spec`` in place)."""
    for operations in spec["paths"].values():
        for operation in operations.values():
            for example in EXAMPLES[operation["operationId"]]:
                if example.media is None:
                    parameter = operation["parameters"][0]
                    parameter.setdefault("examples", {})[example.name] = {
                        "summary": example.summary, "value": example.number}
                else:
                    media = operation["requestBody"]["content"][example.media]
                    media.setdefault("examples", {})[example.name] = _request_example(example)
                response = operation["responses"][example.status]
                content = response["content"]["application/json"]
                content.setdefault("examples", {})[example.name] = {
                    "summary": example.summary, "value": example.response}
    return spec
