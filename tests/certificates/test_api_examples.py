"""The worked examples of the public API: one for every request and every documented answer,
each answer valid against its own schema and what the API really answers to that request; and
the docs page that shows them, in the visitor's language."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from jsonschema import Draft202012Validator
from markupsafe import escape

from certify.certificates.api_docs import request_examples, response_for
from certify.certificates.models import Certificate
from certify.certificates.openapi_examples import NUMBER, RECORD, request_value
from certify.core.extensions import db
from rubrics.models import RubricVersion

PREFIX = "/api/v1"


@pytest.fixture
def spec(client):
    return client.get(f"{PREFIX}/openapi.json").get_json()


def _operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _validator(spec, schema):
    # The components travel with the schema, so "#/components/schemas/…" resolves.
    return Draft202012Validator({**schema, "components": spec["components"]},
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_every_request_and_every_answer_has_an_example(spec):
    assert len(list(_operations(spec))) == 3
    for _path, _method, operation in _operations(spec):
        name = operation["operationId"]
        requests = request_examples(operation)
        assert requests, f"{name}: no request example"
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            assert content.get("examples"), f"{name} {media}: no request example"
        for code, response in operation["responses"].items():
            answers = response["content"]["application/json"].get("examples", {})
            assert answers, f"{name} {code}: no example answer"
            # every example answer says which request it answers…
            assert set(answers) <= {request["name"] for request in requests}, (name, code)
        for request in requests:  # …and every example request has its answer
            response_for(operation, request["name"])


def test_examples_validate_against_their_schemas(spec):
    checked = 0
    for _path, _method, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            for example in parameter["examples"].values():
                _validator(spec, parameter["schema"]).validate(example["value"])
        for content in operation.get("requestBody", {}).get("content", {}).values():
            for name, example in content["examples"].items():
                if response_for(operation, name)[0] == "200":  # the others are refused
                    _validator(spec, content["schema"]).validate(request_value(example))
        for code, response in operation["responses"].items():
            content = response["content"]["application/json"]
            for name, example in content["examples"].items():
                errors = list(_validator(spec, content["schema"]).iter_errors(example["value"]))
                assert errors == [], (operation["operationId"], code, name, errors[0].message)
                checked += 1
    assert checked == 15


def _shape(value):
    """Keys, list lengths and value types: what a client's parser depends on."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def _send(client, path, method, request):
    if "number" in request:
        return client.get(PREFIX + path.replace("{number}", request["number"]))
    media, value = request["media"], request_value(request["example"])
    url = PREFIX + path
    assert method == "post"
    if media == "application/json":
        return client.post(url, data=json.dumps(value), content_type=media)
    if media == "text/csv":
        return client.post(url, data=value, content_type=media)
    return client.post(url, data={field: (io.BytesIO(text.encode()), "numbers.csv")
                                  for field, text in value.items()})


def _as_in_the_examples(in_app):
    """The test's certificate made to look like the examples' one: band, native name."""

    def change():
        certificate = db.session.scalars(sa.select(Certificate)).one()
        band = {"code": RECORD["band"]["code"], "min_score": 0, "title": RECORD["band"]["title"]}
        # A published version is locked to the ORM: the band is added behind its back.
        db.session.execute(sa.update(RubricVersion).where(
            RubricVersion.id == certificate.rubric_version_id).values(bands=[band]))
        certificate.band = RECORD["band"]["code"]
        certificate.holder_name_native = RECORD["holder_name_native"]
        certificate.specialism = RECORD["specialism"]["code"]
        return certificate.number

    return in_app(change)


def test_examples_are_what_the_api_answers(app, client, spec, award, in_app):
    award()
    number = _as_in_the_examples(in_app)
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    try:
        # The verify example sends a certificate's credential.json as downloaded: this one's
        # answer has the documented shape exactly.
        verify = spec["paths"]["/verify"]["post"]
        documented = response_for(verify, "credential")[1]
        credential = client.get(f"/certificates/{number}/credential.json").get_json()
        answer = client.post(f"{PREFIX}/verify", json=credential).get_json()
        assert answer["verified"] is True
        assert _shape(answer) == _shape(documented)
        # From here on, the certificate has the examples' number.
        in_app(lambda: db.session.execute(sa.update(Certificate).values(number=NUMBER)))

        compared = 0
        for path, method, operation in _operations(spec):
            for request in request_examples(operation):
                code, documented = response_for(operation, request["name"])
                if code == "429":
                    continue
                response = _send(client, path, method, request)
                where = (operation["operationId"], request["name"])
                assert response.status_code == int(code), where
                answer = response.get_json()
                if code == "202":  # a queued check: its own address, its own state
                    assert answer.keys() == documented.keys(), where
                    assert answer["total"] == documented["total"], where
                    assert response.headers["Location"] == answer["status_url"], where
                elif code != "200":
                    assert answer == documented, where  # errors are exact
                elif request["name"] == "credential":
                    # The example credential's signature is not this test's issuer's: the
                    # same answer, refused. Its shape was checked with a real one above.
                    assert answer.keys() == documented.keys() and answer["verified"] is False
                    assert [c["check"] for c in answer["checks"]] == [
                        c["check"] for c in documented["checks"]]
                else:
                    assert _shape(answer) == _shape(documented), where
                compared += 1
        assert compared == 12
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"


def test_rate_limited_examples_are_what_the_api_answers(app, client, spec):
    app.config["API_RATE_LIMIT"] = "1 per minute"
    try:
        for path, method, operation in _operations(spec):
            request = next(r for r in request_examples(operation) if r["name"] == "rateLimited")
            documented = response_for(operation, "rateLimited")[1]
            answers = [_send(client, path, method, request) for _ in range(2)]
            assert answers[1].status_code == 429
            assert answers[1].get_json() == documented
            assert int(answers[1].headers["Retry-After"]) > 0
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"


def _texts(node):
    """Every summary and description in the OpenAPI document (the English msgids)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("summary", "description") and isinstance(value, str):
                yield value
            elif key != "value":  # an example's data is not ours to translate
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_docs_page_in_the_visitors_language_with_every_example(app, client, spec, language):
    page = client.get(f"{PREFIX}/docs", headers={"Accept-Language": language})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    texts = set(_texts(spec))
    assert len(texts) > 40
    with app.test_request_context(), force_locale(language):
        for english in texts:
            translated = gettext(english)
            if language != "en":
                assert translated != english, f"not translated: {english!r}"
            assert str(escape(translated)) in text, translated
        heading = gettext("Data types")
    assert heading in text
    examples = sum(len(request_examples(o)) for _p, _m, o in _operations(spec))
    assert text.count("<pre class=\"code\" tabindex=\"0\"><code>curl ") == examples == 15
    assert text.count("HTTP/1.1 ") == examples
    # Content Security Policy: no inline script or style.
    assert " style=" not in text and "<style" not in text
    assert "<script>" not in text and "<script " not in text.replace(
        '<script src="', "")
