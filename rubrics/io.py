"""Rubric files (format ``certify-rubric/1``, JSON or YAML): validation, import, export, hash.

The format is documented in ``docs/rubric-format.md``. Every document is first brought to one
canonical shape (``normalize_version``); the content hash is the SHA-256 of that shape as
canonical JSON, so that export → import gives back a version with the same hash.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from rubrics.interview_protocol import normalize_protocol, protocol_problems
from rubrics.models import Criterion, Level, Rubric, RubricVersion, Track, VersionState

FORMAT = "certify-rubric/1"
DEFAULT_FLOOR_LEVEL = 2
LANGUAGES = ("en", "ru", "kk")
LIBRARY = Path(__file__).resolve().parent / "library"
ELIGIBILITY_KINDS = (
    "degree", "experience_years", "responsible_charge_years", "referees", "declaration",
    "documents", "cpd", "other",
)


class RubricFileError(DomainError):
    """A rubric document with problems; ``problems`` lists each as ``path: message`` (the
    format's own words, in English like the format: the CLI prints them, the upload page
    shows them after its own translated heading)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rubric document, at a path such as
    ``("criteria", 3, "levels", 2, "descriptor", "kk")``."""

    path: tuple[str | int, ...]
    message: str

    @property
    def where(self) -> str:
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text or "(root)"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _is_number(value: Any) -> bool:
    """A finite int or float; booleans, NaN and infinities are not numbers here."""
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    )


def _texts(value: Any, path: tuple, *, required: bool) -> Iterator[Problem]:
    """Problems of a text in three languages: a required text needs all three; an optional
    one may be left out, but once written in one language it is needed in all three."""
    if value is None or value == {}:
        if required:
            yield from (Problem((*path, language), "missing") for language in LANGUAGES)
        return
    if not isinstance(value, dict):
        yield Problem(path, "expected an object with en, ru and kk texts")
        return
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            yield Problem((*path, language), "missing")


def find_problems(document: Any) -> list[Problem]:
    """Every problem of a rubric document, each with its path in the document."""
    if not isinstance(document, dict):
        return [Problem((), "expected an object")]
    problems: list[Problem] = []
    if document.get("format") != FORMAT:
        problems.append(Problem(("format",), f"expected {FORMAT!r}"))
    if not isinstance(document.get("code"), str) or not document["code"].strip():
        problems.append(Problem(("code",), "missing"))
    if not isinstance(document.get("track"), str) or document["track"] not in set(Track):
        problems.append(Problem(("track",), f"expected one of {', '.join(Track)}"))
    problems += _texts(document.get("title"), ("title",), required=True)
    problems += _texts(document.get("description"), ("description",), required=False)
    version = document.get("version")
    if not isinstance(version, dict):
        problems.append(Problem(("version",), "missing"))
        return problems
    return problems + version_problems(version, track=document.get("track"))


def version_problems(version: dict, *, track: str | None = None) -> list[Problem]:
    """Problems of a version's content (also used to check a draft before publishing);
    ``track`` when known, for the rules that depend on it."""
    problems: list[Problem] = []
    threshold = version.get("pass_threshold")
    if not _is_number(threshold) or not 0 <= threshold <= 100:
        problems.append(Problem(("version", "pass_threshold"), "expected a number from 0 to 100"))
    floor = version.get("floor_level", DEFAULT_FLOOR_LEVEL)
    if not isinstance(floor, int) or isinstance(floor, bool) or floor < 0:
        problems.append(Problem(("version", "floor_level"), "expected a whole number, 0 or more"))
    problems += _texts(version.get("note"), ("version", "note"), required=False)
    problems += _eligibility_problems(version.get("eligibility"))
    criteria = version.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        problems.append(Problem(("version", "criteria"), "expected at least one criterion"))
        return problems
    seen_codes: set[str] = set()
    levels_by_code: dict[str, int] = {}
    for i, criterion in enumerate(criteria):
        path = ("criteria", i)
        if not isinstance(criterion, dict):
            problems.append(Problem(path, "expected an object"))
            continue
        code = criterion.get("code")
        if not isinstance(code, str) or not code.strip():
            problems.append(Problem((*path, "code"), "missing"))
        elif code in seen_codes:
            problems.append(Problem((*path, "code"), f"{code!r} is used twice"))
        else:
            seen_codes.add(code)
        problems += _texts(criterion.get("title"), (*path, "title"), required=True)
        for field in ("section", "guidance", "evidence"):
            problems += _texts(criterion.get(field), (*path, field), required=False)
        weight = criterion.get("weight")
        if not _is_number(weight) or weight <= 0:
            problems.append(Problem((*path, "weight"), "expected a number greater than 0"))
        evidence_required = criterion.get("evidence_required", False)
        if not isinstance(evidence_required, bool):
            problems.append(Problem((*path, "evidence_required"), "expected true or false"))
        levels = criterion.get("levels")
        if not isinstance(levels, list) or len(levels) < 2:
            problems.append(Problem((*path, "levels"), "expected at least two levels"))
            continue
        values = [level.get("value") for level in levels if isinstance(level, dict)]
        if [type(v) for v in values] != [int] * len(levels) or values != list(range(len(levels))):
            problems.append(Problem((*path, "levels"), "values must be 0, 1, 2, … in order"))
        for j, level in enumerate(levels):
            if isinstance(level, dict):
                problems += _texts(level.get("label"), (*path, "levels", j, "label"),
                                   required=True)
                problems += _texts(level.get("descriptor"), (*path, "levels", j, "descriptor"),
                                   required=True)
                problems += _texts(level.get("exemplar"), (*path, "levels", j, "exemplar"),
                                   required=False)
        gate = criterion.get("min_pass_level")
        if gate is not None and (type(gate) is not int or not 0 <= gate < len(levels)):
            problems.append(
                Problem((*path, "min_pass_level"), "expected a level of this criterion")
            )
        if isinstance(code, str):
            levels_by_code[code] = len(levels)
    problems += _band_problems(version.get("bands"), levels_by_code)
    problems += protocol_problems(version.get("interview"), set(levels_by_code), track=track,
                                  texts=_texts, problem=Problem)
    return problems


def _eligibility_problems(eligibility: Any) -> Iterator[Problem]:
    if eligibility is None:
        return
    if not isinstance(eligibility, list):
        yield Problem(("version", "eligibility"), "expected a list")
        return
    for i, requirement in enumerate(eligibility):
        path = ("version", "eligibility", i)
        if not isinstance(requirement, dict):
            yield Problem((*path, "text"), "expected an object with en, ru and kk texts")
            continue
        yield from _texts(requirement.get("text"), (*path, "text"), required=True)
        kind = requirement.get("kind", "other")
        if kind not in ELIGIBILITY_KINDS:
            yield Problem((*path, "kind"), f"expected one of {', '.join(ELIGIBILITY_KINDS)}")
        minimum = requirement.get("minimum")
        if minimum is not None and (type(minimum) is not int or minimum < 0):
            yield Problem((*path, "minimum"), "expected a whole number of at least 0, or null")


def _band_problems(bands: Any, levels_by_code: dict[str, int]) -> Iterator[Problem]:
    if bands is None:
        return
    if not isinstance(bands, list):
        yield Problem(("version", "bands"), "expected a list")
        return
    previous = -1.0
    codes: set[str] = set()
    for i, band in enumerate(bands):
        path = ("version", "bands", i)
        if not isinstance(band, dict):
            yield Problem(path, "expected an object")
            continue
        code = band.get("code")
        if not isinstance(code, str) or not code.strip():
            yield Problem((*path, "code"), "missing")
        elif code in codes:
            yield Problem((*path, "code"), f"{code!r} is used twice")
        else:
            codes.add(code)
        yield from _texts(band.get("title"), (*path, "title"), required=True)
        score = band.get("min_score")
        if not _is_number(score) or not 0 <= score <= 100:
            yield Problem((*path, "min_score"), "expected a number from 0 to 100")
        elif score <= previous:
            yield Problem((*path, "min_score"), "bands must go up, lowest first")
        else:
            previous = score
        min_levels = band.get("min_levels") or {}
        if not isinstance(min_levels, dict):
            yield Problem((*path, "min_levels"), "expected an object of criterion codes")
            continue
        for criterion_code, level in min_levels.items():
            if criterion_code not in levels_by_code:
                yield Problem((*path, "min_levels", criterion_code), "no such criterion")
            elif type(level) is not int or not 0 <= level < levels_by_code[criterion_code]:
                yield Problem((*path, "min_levels", criterion_code),
                              "expected a level of that criterion")


def validate(document: Any) -> list[str]:
    """Every problem of a rubric document as ``path: message``."""
    return [str(problem) for problem in find_problems(document)]


# The canonical shape -------------------------------------------------------------------------


def _number(value):
    """50.0 and 50 are the same threshold: integral floats become ints for the hash."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {lang: value[lang].strip() for lang in LANGUAGES
            if isinstance(value.get(lang), str) and value[lang].strip()}


def _level(value: int, label, descriptor, exemplar) -> dict:
    """A level in canonical shape; ``exemplar`` only when written, so that versions from
    before exemplars existed keep their content hash."""
    exemplar = _text(exemplar)
    return {"value": value, "label": _text(label), "descriptor": _text(descriptor),
            **({"exemplar": exemplar} if exemplar else {})}


def normalize_version(version: dict) -> dict:
    """A valid version's content in its one canonical shape (every key present, in order).

    Three keys are optional: ``floor_level``, present only when it differs from the default
    (2), a level's ``exemplar`` and the ``interview`` protocol, present only when written, so
    that versions from before any of them existed keep their content hash."""
    floor = version.get("floor_level", DEFAULT_FLOOR_LEVEL)
    interview = normalize_protocol(version.get("interview"), _text)
    return {
        "pass_threshold": _number(version["pass_threshold"]),
        **({"floor_level": floor} if floor != DEFAULT_FLOOR_LEVEL else {}),
        "note": _text(version.get("note")),
        "eligibility": [
            {"code": str(item.get("code") or f"requirement-{i + 1}").strip(),
             "kind": item.get("kind", "other"),
             "minimum": item.get("minimum"),
             "text": _text(item.get("text"))}
            for i, item in enumerate(version.get("eligibility") or [])
        ],
        "bands": [
            {"code": band["code"].strip(), "min_score": _number(band["min_score"]),
             "title": _text(band.get("title")),
             "min_levels": dict(sorted((band.get("min_levels") or {}).items()))}
            for band in version.get("bands") or []
        ],
        "criteria": [
            {
                "code": criterion["code"].strip(),
                "section": _text(criterion.get("section")),
                "title": _text(criterion.get("title")),
                "guidance": _text(criterion.get("guidance")),
                "evidence": _text(criterion.get("evidence")),
                "weight": _number(criterion["weight"]),
                "min_pass_level": criterion.get("min_pass_level"),
                "evidence_required": bool(criterion.get("evidence_required", False)),
                "levels": [
                    _level(level["value"], level.get("label"), level.get("descriptor"),
                           level.get("exemplar"))
                    for level in criterion["levels"]
                ],
            }
            for criterion in version["criteria"]
        ],
        **({"interview": interview} if interview else {}),
    }


def content_hash(version_document: dict) -> str:
    """SHA-256 of the version's content as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        version_document, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_content(version: RubricVersion) -> dict:
    """A stored version in the canonical shape (what export writes and the hash covers)."""
    return normalize_version({
        "pass_threshold": version.pass_threshold,
        "floor_level": (DEFAULT_FLOOR_LEVEL if version.floor_level is None
                        else version.floor_level),
        "note": version.note,
        "eligibility": version.eligibility,
        "bands": version.bands,
        "interview": version.interview,
        "criteria": [
            {
                "code": c.code, "section": c.section, "title": c.title, "guidance": c.guidance,
                "evidence": c.evidence, "weight": c.weight, "min_pass_level": c.min_pass_level,
                "evidence_required": c.evidence_required,
                "levels": [{"value": lv.value, "label": lv.label, "descriptor": lv.descriptor,
                            "exemplar": lv.exemplar}
                           for lv in sorted(c.levels, key=lambda lv: lv.value)],
            }
            for c in sorted(version.criteria, key=lambda c: c.position)
        ],
    })


def version_hash(version: RubricVersion) -> str:
    return content_hash(version_content(version))


# Import and export ---------------------------------------------------------------------------


def build_criteria(version: RubricVersion, criteria: list[dict]) -> None:
    """Fill a (new) version with criteria and levels from canonical content."""
    for position, item in enumerate(criteria, start=1):
        version.criteria.append(Criterion(
            code=item["code"], position=position, section=item["section"],
            title=item["title"], guidance=item["guidance"], evidence=item["evidence"],
            weight=float(item["weight"]), min_pass_level=item["min_pass_level"],
            evidence_required=item["evidence_required"],
            levels=[Level(value=level["value"], label=level["label"],
                          descriptor=level["descriptor"], exemplar=level.get("exemplar", {}))
                    for level in item["levels"]],
        ))


def import_rubric(document: dict) -> RubricVersion:
    """Create (or find) the rubric and a published version holding the document's content.

    Importing the same content twice returns the existing version: the hash identifies it.
    A document with any problem raises RubricFileError and writes nothing.
    """
    problems = validate(document)
    if problems:
        raise RubricFileError(*problems)
    content = normalize_version(document["version"])
    digest = content_hash(content)
    rubric = db.session.scalar(sa.select(Rubric).where(Rubric.code == document["code"]))
    if rubric is None:
        rubric = Rubric(
            code=document["code"].strip(), track=Track(document["track"]),
            title=_text(document["title"]), description=_text(document.get("description")),
        )
        db.session.add(rubric)
    else:
        if rubric.track != document["track"]:
            raise RubricFileError(f"track: rubric {rubric.code} is for track {rubric.track}")
        for existing in rubric.versions:
            if existing.content_hash == digest:
                return existing
    version = RubricVersion(
        rubric=rubric,
        number=max((v.number for v in rubric.versions), default=0) + 1,
        state=VersionState.published,
        pass_threshold=float(content["pass_threshold"]),
        floor_level=content.get("floor_level", DEFAULT_FLOOR_LEVEL),
        note=content["note"], eligibility=content["eligibility"], bands=content["bands"],
        interview=content.get("interview", {}),
        published_at=utcnow(),
        content_hash=digest,
    )
    build_criteria(version, content["criteria"])
    db.session.add(version)
    db.session.flush()
    return version


def export_rubric(version: RubricVersion) -> dict:
    """A version as a rubric document; importing it elsewhere gives the same content hash."""
    rubric = version.rubric
    return {
        "format": FORMAT,
        "code": rubric.code,
        "track": rubric.track.value,
        "title": _text(rubric.title),
        "description": _text(rubric.description),
        "version": version_content(version),
    }


def dumps(document: dict, fmt: str) -> str:
    if fmt == "yaml":
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in a rubric file")


def loads(data: bytes, *, filename: str = "") -> dict:
    """A rubric document from JSON or YAML bytes (YAML by the file's extension)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RubricFileError("(file): not UTF-8 text") from error
    if filename.lower().endswith((".yaml", ".yml")):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise RubricFileError(f"(file): not valid YAML: {error}") from error
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:  # JSONDecodeError is a ValueError too
        raise RubricFileError(f"(file): not valid JSON: {error}") from error


def load_file(path: Path | str) -> dict:
    """The document in a rubric file: strict JSON, or YAML for .yaml / .yml, in UTF-8."""
    path = Path(path)
    return loads(path.read_bytes(), filename=path.name)


def library_files() -> list[Path]:
    """The shipped rubric files, each rubric's versions in order: ``upme.json`` is version 1,
    ``upme.v2.json`` version 2 (a plain sort would put ``cme-…`` or ``cme.v2`` wrongly)."""
    def key(path: Path) -> tuple[str, int]:
        code, _, rest = path.name.partition(".")
        number = rest.removesuffix(".json").removeprefix("v")
        return code, int(number) if number.isdigit() else 1
    return sorted(LIBRARY.glob("*.json"), key=key)


def import_library() -> list[RubricVersion]:
    """The rubrics shipped with the platform, in ``rubrics/library/``: every version of each,
    oldest first, so that version numbers follow the files (v1 stays v1 for reproducibility)."""
    return [import_rubric(load_file(path)) for path in library_files()]
