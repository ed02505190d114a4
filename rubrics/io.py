"""Reading rubric files (format ``certify-rubric/1``) into versions, and their content hash."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from certify.db_types import utcnow
from certify.extensions import db
from rubrics.models import Criterion, Level, Rubric, RubricVersion, Track, VersionState

FORMAT = "certify-rubric/1"
LANGUAGES = ("en", "ru", "kk")
LIBRARY = Path(__file__).resolve().parent / "library"


class RubricFileError(ValueError):
    """A rubric file with problems; ``problems`` lists each as ``path: message``."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _is_number(value: Any) -> bool:
    """A finite int or float; booleans, NaN and infinities are not numbers here."""
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    )


def validate(document: Any) -> list[str]:
    """Every problem of a rubric document, each prefixed with its path in the document."""
    problems: list[str] = []

    def texts(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object with en, ru and kk texts")
            return
        for language in LANGUAGES:
            text = value.get(language)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{path}.{language}: missing")

    if not isinstance(document, dict):
        return ["(root): expected an object"]
    if document.get("format") != FORMAT:
        problems.append(f"format: expected {FORMAT!r}")
    if not isinstance(document.get("code"), str) or not document["code"].strip():
        problems.append("code: missing")
    if not isinstance(document.get("track"), str) or document["track"] not in set(Track):
        problems.append(f"track: expected one of {', '.join(Track)}")
    texts(document.get("title"), "title")
    version = document.get("version")
    if not isinstance(version, dict):
        problems.append("version: missing")
        return problems
    threshold = version.get("pass_threshold")
    if not _is_number(threshold) or not 0 <= threshold <= 100:
        problems.append("version.pass_threshold: expected a number from 0 to 100")
    eligibility = version.get("eligibility") or []
    if not isinstance(eligibility, list):
        problems.append("version.eligibility: expected a list")
        eligibility = []
    for i, requirement in enumerate(eligibility):
        texts(requirement.get("text") if isinstance(requirement, dict) else None,
              f"version.eligibility[{i}].text")
    criteria = version.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        problems.append("version.criteria: expected at least one criterion")
        return problems
    seen_codes: set[str] = set()
    for i, criterion in enumerate(criteria):
        path = f"criteria[{i}]"
        if not isinstance(criterion, dict):
            problems.append(f"{path}: expected an object")
            continue
        code = criterion.get("code")
        if not isinstance(code, str) or not code.strip():
            problems.append(f"{path}.code: missing")
        elif code in seen_codes:
            problems.append(f"{path}.code: {code!r} is used twice")
        else:
            seen_codes.add(code)
        texts(criterion.get("title"), f"{path}.title")
        weight = criterion.get("weight")
        if not _is_number(weight) or weight <= 0:
            problems.append(f"{path}.weight: expected a number greater than 0")
        levels = criterion.get("levels")
        if not isinstance(levels, list) or len(levels) < 2:
            problems.append(f"{path}.levels: expected at least two levels")
            continue
        values = [level.get("value") for level in levels if isinstance(level, dict)]
        if [type(v) for v in values] != [int] * len(levels) or values != list(range(len(levels))):
            problems.append(f"{path}.levels: values must be 0, 1, 2, … in order")
        for j, level in enumerate(levels):
            if isinstance(level, dict):
                texts(level.get("label"), f"{path}.levels[{j}].label")
                texts(level.get("descriptor"), f"{path}.levels[{j}].descriptor")
        gate = criterion.get("min_pass_level")
        if gate is not None and (type(gate) is not int or not 0 <= gate < len(levels)):
            problems.append(f"{path}.min_pass_level: expected a level of this criterion")
    return problems


def content_hash(version_document: dict) -> str:
    """SHA-256 of the version's content as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        version_document, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def import_rubric(document: dict) -> RubricVersion:
    """Create (or find) the rubric and a published version holding the document's content.

    Importing the same content twice returns the existing version: the hash identifies it.
    """
    problems = validate(document)
    if problems:
        raise RubricFileError(problems)
    digest = content_hash(document["version"])
    rubric = db.session.scalar(sa.select(Rubric).where(Rubric.code == document["code"]))
    if rubric is None:
        rubric = Rubric(
            code=document["code"],
            track=document["track"],
            title=document["title"],
            description=document.get("description") or {},
        )
        db.session.add(rubric)
    else:
        for existing in rubric.versions:
            if existing.content_hash == digest:
                return existing
    data = document["version"]
    version = RubricVersion(
        rubric=rubric,
        number=len(rubric.versions) + 1,
        state=VersionState.published,
        pass_threshold=float(data["pass_threshold"]),
        eligibility=data.get("eligibility") or [],
        published_at=utcnow(),
        content_hash=digest,
    )
    for position, item in enumerate(data["criteria"], start=1):
        version.criteria.append(
            Criterion(
                code=item["code"],
                position=position,
                section=item.get("section") or {},
                title=item["title"],
                guidance=item.get("guidance") or {},
                weight=float(item["weight"]),
                min_pass_level=item.get("min_pass_level"),
                evidence_required=bool(item.get("evidence_required")),
                levels=[
                    Level(value=level["value"], label=level["label"],
                          descriptor=level["descriptor"])
                    for level in item["levels"]
                ],
            )
        )
    db.session.add(version)
    db.session.flush()
    return version


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in a rubric file")


def load_file(path: Path) -> dict:
    """The document in a rubric file; strict JSON in UTF-8 (no NaN or Infinity)."""
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8"),
                          parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise RubricFileError(["(file): not UTF-8 text"]) from error
    except ValueError as error:  # JSONDecodeError is a ValueError too
        raise RubricFileError([f"(file): not valid JSON: {error}"]) from error


def import_library() -> list[RubricVersion]:
    """The rubrics shipped with the platform, in ``rubrics/library/``."""
    return [import_rubric(load_file(path)) for path in sorted(LIBRARY.glob("*.json"))]
