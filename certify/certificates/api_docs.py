"""The people's page of the public API (/api/v1/docs), read from the OpenAPI document.

The document stays English, the machine contract; this page gives every summary, description
and field in the visitor's language (the texts are the document's own, marked with ``N_`` and
translated in the catalogs) and shows each worked example as a curl command and the answer.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from flask_babel import gettext

from certify.certificates.openapi_examples import request_value

SHORT_BODY = 120  # characters of JSON sent inline with --data; longer bodies go in a file
FILE_NAMES = {"application/json": "credential.json", "text/csv": "numbers.csv",
              "multipart/form-data": "numbers.csv"}


def _t(text: str | None) -> str:
    return gettext(text) if text else ""


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def docs_page(spec: dict[str, Any]) -> dict[str, Any]:
    """What the docs template shows: the operations with their examples, and the data types."""
    server = spec["servers"][0]["url"]
    operations = [_operation(server, path, method, operation)
                  for path, methods in spec["paths"].items()
                  for method, operation in methods.items()]
    names = set(spec["components"]["schemas"])
    for operation in operations:
        for response in operation["responses"]:
            response["schema"] = response["type"] if response["type"] in names else None
    schemas = [{"name": name, "description": _t(schema.get("description")),
                "fields": _fields(schema)}
               for name, schema in spec["components"]["schemas"].items()]
    return {"version": spec["info"]["version"], "intro": _t(spec["info"]["description"]),
            "operations": operations, "schemas": schemas}


def _operation(server: str, path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    body = operation.get("requestBody")
    return {
        "id": operation["operationId"],
        "method": method.upper(),
        "url": server + path,
        "summary": _t(operation["summary"]),
        "description": _t(operation.get("description")),
        "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                        "type": _type(p["schema"]), "description": _t(p.get("description"))}
                       for p in operation.get("parameters", [])],
        "body": body and {"description": _t(body.get("description")),
                          "media": list(body["content"])},
        "responses": [{"code": code, "description": _t(response["description"]),
                       "type": _type(response["content"]["application/json"]["schema"]),
                       "headers": {name: _t(header.get("description"))
                                   for name, header in response.get("headers", {}).items()}}
                      for code, response in operation["responses"].items()],
        "examples": sorted((_example(server, path, method, operation, request)
                            for request in request_examples(operation)),
                           key=lambda example: example["status"]),
    }


def request_examples(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request example of an operation, in order: {name, summary, number | media, …}."""
    found = []
    for parameter in operation.get("parameters", []):
        for name, example in parameter.get("examples", {}).items():
            found.append({"name": name, "summary": example["summary"],
                          "number": example["value"]})
    for media, content in operation.get("requestBody", {}).get("content", {}).items():
        for name, example in content.get("examples", {}).items():
            found.append({"name": name, "summary": example["summary"], "media": media,
                          "example": example})
    return found


def response_for(operation: dict[str, Any], name: str) -> tuple[str, Any]:
    """The status and body documented for the request example called ``name``."""
    for code, response in operation["responses"].items():
        examples = response["content"]["application/json"].get("examples", {})
        if name in examples:
            return code, examples[name]["value"]
    raise LookupError(f"{operation['operationId']}: no response example {name!r}")


def _example(server: str, path: str, method: str, operation: dict[str, Any],
             request: dict[str, Any]) -> dict[str, Any]:
    code, answer = response_for(operation, request["name"])
    url = server + path
    command, file_name, file_text = ["curl"], None, None
    if "number" in request:
        url = url.replace("{number}", request["number"])
    else:
        media, example = request["media"], request["example"]
        command += ["-X", method.upper()]
        if "x-build" in example:
            file_name, file_text = "large.json", _abridged(request_value(example))
            command += ["-H", f"Content-Type: {media}", "--data", f"@{file_name}"]
        elif media == "application/json":
            compact = json.dumps(example["value"], ensure_ascii=False)
            if len(compact) <= SHORT_BODY:
                command += ["-H", f"Content-Type: {media}", "--data", compact]
            else:
                file_name, file_text = FILE_NAMES[media], _pretty(example["value"])
                command += ["-H", f"Content-Type: {media}", "--data", f"@{file_name}"]
        elif media == "text/csv":
            file_name, file_text = FILE_NAMES[media], example["value"]
            command += ["-H", f"Content-Type: {media}", "--data-binary", f"@{file_name}"]
        else:  # multipart/form-data: each field an uploaded file
            file_name = FILE_NAMES[media]
            file_text = "".join(request_value(example).values())
            command += ["-F", f"file=@{file_name}"]
    headers = operation["responses"][code].get("headers", {})
    status_line = "\n".join([f"HTTP/1.1 {code}", *(f"{name}: {header.get('example', '')}"
                                                    for name, header in headers.items())])
    return {"name": request["name"], "summary": _t(request["summary"]),
            "curl": _shell(command, url), "file_name": file_name, "file_text": file_text,
            "status": code, "response": f"{status_line}\n\n{_pretty(answer)}"}


def _abridged(value: Any) -> str:
    """A body too large to show, shortened with an ellipsis that says how large it is."""
    text = json.dumps(value)
    return f"{text[:60]} … {text[-20:]}  ({len(text):,} B)"


def _shell(command: list[str], url: str) -> str:
    """The command quoted for a POSIX shell, one option per line, the address last."""
    parts, line = [], [shlex.quote(command[0])]
    for word in command[1:]:
        if word.startswith("-") and len(line) > 1:
            parts.append(" ".join(line))
            line = []
        line.append(shlex.quote(word))
    parts += [" ".join(line), shlex.quote(url)]
    return " \\\n  ".join(parts)


def _type(schema: dict[str, Any]) -> str:
    """A schema's type in a few characters: string (date), Certificate, Band | null…"""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "oneOf" in schema:
        return " | ".join(_type(option) for option in schema["oneOf"])
    if "allOf" in schema:
        return " + ".join(_type(part) for part in schema["allOf"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "object")
    kind = " | ".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        return f"{_type(schema.get('items', {}))}[]"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return kind


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The top-level fields of an object schema (of each variant of a oneOf)."""
    variants = [schema] if "properties" in schema else [
        part for option in schema.get("oneOf", [])
        for part in (option.get("allOf") or [option]) if "properties" in part]
    fields = []
    for variant in variants:
        required = set(variant.get("required", []))
        for name, field in variant["properties"].items():
            fields.append({"name": name, "type": _type(field), "required": name in required,
                           "description": _t(field.get("description"))})
    return fields
