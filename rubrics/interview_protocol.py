"""The interview protocol of a rubric version: which criteria the panel probes at the
interview and the questions it asks on each, per language (``version.interview`` in the rubric
file, docs/rubric-format.md). Pure: dictionaries in, problems or canonical shape out.

The engineer track always interviews (domain_anchors §3.4 rule 5: "a mandatory interview of
about 1 hour"); the professor track interviews when the protocol's ``required`` flag says so,
or when staff choose to ("optional, or used when reviewers disagree")."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

PATH = ("version", "interview")


def protocol_problems(protocol: Any, criterion_codes: set[str], *, track: str | None,
                      texts: Callable[..., Iterable], problem: Callable) -> Iterator:
    """Problems of ``version.interview`` (absent or ``{}``: no protocol, nothing to check).

    ``texts`` and ``problem`` are the rubric file's own text checker and problem type, so
    the messages read like every other problem of the file."""
    if protocol is None or protocol == {}:
        return
    if not isinstance(protocol, dict):
        yield problem(PATH, "expected an object")
        return
    required = protocol.get("required", False)
    if not isinstance(required, bool):
        yield problem((*PATH, "required"), "expected true or false")
    elif track == "engineer" and not required:
        yield problem((*PATH, "required"),
                      "the engineer track always interviews: expected true")
    probes = protocol.get("criteria")
    if not isinstance(probes, list) or not probes:
        yield problem((*PATH, "criteria"), "expected at least one probed criterion")
        return
    seen: set[str] = set()
    for i, probe in enumerate(probes):
        path = (*PATH, "criteria", i)
        if not isinstance(probe, dict):
            yield problem(path, "expected an object")
            continue
        code = probe.get("code")
        if not isinstance(code, str) or not code.strip():
            yield problem((*path, "code"), "missing")
        elif code in seen:
            yield problem((*path, "code"), f"{code!r} is used twice")
        elif code not in criterion_codes:
            yield problem((*path, "code"), "no such criterion")
        else:
            seen.add(code)
        questions = probe.get("questions")
        if not isinstance(questions, list) or not questions:
            yield problem((*path, "questions"), "expected at least one question")
            continue
        for j, question in enumerate(questions):
            yield from texts(question, (*path, "questions", j), required=True)


def normalize_protocol(protocol: Any, text: Callable[[Any], dict]) -> dict:
    """A valid protocol in canonical shape, or ``{}`` when the version has none."""
    if not protocol:
        return {}
    return {
        "required": bool(protocol.get("required", False)),
        "criteria": [{"code": probe["code"].strip(),
                      "questions": [text(question) for question in probe["questions"]]}
                     for probe in protocol["criteria"]],
    }


def probed_codes(protocol: dict) -> list[str]:
    """The codes the protocol probes, in its order."""
    return [probe["code"] for probe in (protocol or {}).get("criteria", [])]


def interview_required(protocol: dict, track: str) -> bool:
    """Whether a decision waits for the interview: always on the engineer track (§3.4 rule 5),
    on the professor track when the protocol says so."""
    return track == "engineer" or bool((protocol or {}).get("required"))


def follow_criterion(protocol: dict, code: str, new_code: str | None) -> dict:
    """The protocol after a draft's criterion ``code`` is renamed to ``new_code``, or removed
    (``None``): the editor has no form for the protocol, so its probes follow the criteria
    rather than block publishing. A protocol left with no probe is dropped."""
    if not protocol:
        return {}
    probes = [{**probe, "code": new_code if probe["code"] == code else probe["code"]}
              for probe in protocol.get("criteria", [])
              if probe["code"] != code or new_code is not None]
    return {**protocol, "criteria": probes} if probes else {}
