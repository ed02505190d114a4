"""What the rubrics package does: create rubrics, edit drafts, publish, retire.

Only a draft can change. Publishing checks the whole version and freezes it with its content
hash; any later change starts a new draft copied from a published version. Functions flush and
never commit; each raises DomainError with translated messages for the user.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.users.models import Branch, User
from rubrics.interview_protocol import follow_criterion
from rubrics.io import (
    Problem,
    RubricFileError,
    build_criteria,
    import_rubric,
    loads,
    version_content,
    version_hash,
    version_problems,
)
from rubrics.models import Criterion, Level, Rubric, RubricVersion, Track, VersionState

# The common 0–4 scale (domain_anchors §3.1), offered for every new criterion.
STANDARD_LEVELS = (
    {"en": "No evidence", "ru": "Нет подтверждений", "kk": "Дәлел жоқ"},
    {"en": "Emerging", "ru": "Начальный", "kk": "Бастапқы"},
    {"en": "Threshold", "ru": "Пороговый", "kk": "Шекті"},
    {"en": "Proficient", "ru": "Уверенный", "kk": "Сенімді"},
    {"en": "Leading", "ru": "Ведущий", "kk": "Жетекші"},
)


@dataclass(frozen=True)
class CriterionInput:
    code: str
    section: dict[str, str]
    title: dict[str, str]
    guidance: dict[str, str]
    evidence: dict[str, str]
    weight: float
    min_pass_level: int | None
    evidence_required: bool
    # (label, descriptor) or (label, descriptor, exemplar) per level
    levels: list[tuple[dict[str, str], ...]]


def _require_draft(version: RubricVersion) -> None:
    if version.state != VersionState.draft:
        raise DomainError(_("Version %(number)d is %(state)s and cannot change: start a new "
                            "draft from it.", number=version.number,
                            state=version.state.title))


def code_taken(code: str) -> bool:
    return db.session.scalar(sa.select(Rubric.id).where(Rubric.code == code)) is not None


def create_rubric(*, code: str, track: Track, title: dict, description: dict,
                  branch: Branch | None, coordinators_may_edit: bool, by: User) -> Rubric:
    """A new rubric with an empty draft version 1."""
    if code_taken(code):
        raise DomainError(_("A rubric with the code %(code)s already exists.", code=code))
    rubric = Rubric(code=code, track=track, title=title, description=description,
                    branch=branch, coordinators_may_edit=coordinators_may_edit)
    db.session.add(rubric)
    db.session.add(RubricVersion(rubric=rubric, number=1, state=VersionState.draft,
                                 pass_threshold=50.0))
    db.session.flush()
    audit.record("rubric.create", rubric, actor=by, code=code)
    return rubric


def update_rubric(rubric: Rubric, *, title: dict, description: dict, branch: Branch | None,
                  coordinators_may_edit: bool, by: User) -> None:
    """Names and who may edit; not part of any version's content."""
    rubric.title, rubric.description = title, description
    rubric.branch, rubric.coordinators_may_edit = branch, coordinators_may_edit
    db.session.flush()
    audit.record("rubric.update", rubric, actor=by)


def start_draft(source: RubricVersion, *, by: User) -> RubricVersion:
    """A new draft with the content of ``source`` (the way to change a published version)."""
    rubric = source.rubric
    if rubric.draft is not None:
        raise DomainError(_("Version %(number)d is already a draft: edit it, or delete it "
                            "first.", number=rubric.draft.number))
    content = version_content(source)
    draft = RubricVersion(
        rubric=rubric, number=max(v.number for v in rubric.versions) + 1,
        state=VersionState.draft, pass_threshold=float(content["pass_threshold"]),
        floor_level=source.floor_level,
        note=content["note"], eligibility=content["eligibility"], bands=content["bands"],
        interview=content.get("interview", {}), based_on=source,
    )
    build_criteria(draft, content["criteria"])
    db.session.add(draft)
    db.session.flush()
    audit.record("rubric.draft", draft, actor=by, based_on=source.number)
    return draft


def delete_draft(version: RubricVersion, *, by: User) -> None:
    _require_draft(version)
    audit.record("rubric.delete_draft", version, actor=by, number=version.number)
    db.session.delete(version)
    db.session.flush()


def update_settings(version: RubricVersion, *, pass_threshold: float, note: dict,
                    eligibility: list[dict], bands: list[dict], by: User,
                    floor_level: int | None = None) -> None:
    _require_draft(version)
    version.pass_threshold = pass_threshold
    if floor_level is not None:
        version.floor_level = floor_level
    version.note = note
    version.eligibility = copy.deepcopy(eligibility)
    version.bands = copy.deepcopy(bands)
    db.session.flush()
    audit.record("rubric.settings", version, actor=by)


def _check_code(version: RubricVersion, code: str, criterion: Criterion | None) -> None:
    if any(c.code == code and c is not criterion for c in version.criteria):
        raise DomainError(_("The code %(code)s is already used in this version.", code=code))


def _apply(criterion: Criterion, data: CriterionInput) -> None:
    criterion.code = data.code
    criterion.section, criterion.title = data.section, data.title
    criterion.guidance, criterion.evidence = data.guidance, data.evidence
    criterion.weight = data.weight
    criterion.evidence_required = data.evidence_required
    for level, (label, descriptor, *exemplar) in zip(
        sorted(criterion.levels, key=lambda lv: lv.value), data.levels, strict=False
    ):
        level.label, level.descriptor = label, descriptor
        if exemplar:
            level.exemplar = exemplar[0]
    if data.min_pass_level is not None and data.min_pass_level >= len(criterion.levels):
        raise DomainError(_("%(code)s: the must-pass level must be one of its levels.",
                            code=data.code))
    criterion.min_pass_level = data.min_pass_level


def add_criterion(version: RubricVersion, data: CriterionInput, *, by: User) -> Criterion:
    """A criterion at the end, with the common 0–4 scale unless levels are given."""
    _require_draft(version)
    _check_code(version, data.code, None)
    levels = data.levels or [(label, {}) for label in STANDARD_LEVELS]
    criterion = Criterion(
        code=data.code, position=max((c.position for c in version.criteria), default=0) + 1,
        title={}, weight=data.weight,
        levels=[Level(value=value, label={}, descriptor={}, exemplar={})
                for value in range(len(levels))],
    )
    version.criteria.append(criterion)
    _apply(criterion, CriterionInput(**{**data.__dict__, "levels": levels}))
    db.session.flush()
    audit.record("rubric.criterion_add", criterion, actor=by, code=data.code)
    return criterion


def update_criterion(criterion: Criterion, data: CriterionInput, *, by: User) -> None:
    _require_draft(criterion.version)
    _check_code(criterion.version, data.code, criterion)
    if data.code != criterion.code:
        criterion.version.interview = follow_criterion(criterion.version.interview,
                                                       criterion.code, data.code)
    _apply(criterion, data)
    db.session.flush()
    audit.record("rubric.criterion_update", criterion, actor=by, code=data.code)


def remove_criterion(criterion: Criterion, *, by: User) -> None:
    version = criterion.version
    _require_draft(version)
    audit.record("rubric.criterion_remove", criterion, actor=by, code=criterion.code)
    version.interview = follow_criterion(version.interview, criterion.code, None)
    remaining = [c for c in version.criteria if c is not criterion]
    db.session.delete(criterion)
    db.session.flush()
    db.session.expire(version, ["criteria"])
    _renumber(version, remaining)


def move_criterion(criterion: Criterion, offset: int, *, by: User) -> None:
    """Move a criterion up (-1) or down (+1) in its version."""
    version = criterion.version
    _require_draft(version)
    ordered = sorted(version.criteria, key=lambda c: c.position)
    index = ordered.index(criterion)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(version, ordered)
    audit.record("rubric.criterion_move", criterion, actor=by, offset=offset)


def _renumber(version: RubricVersion, ordered: list[Criterion]) -> None:
    # Two passes, so the unique (version, position) constraint holds at every step.
    for i, criterion in enumerate(ordered, start=1):
        criterion.position = -i
    db.session.flush()
    for i, criterion in enumerate(ordered, start=1):
        criterion.position = i
    db.session.flush()


def add_level(criterion: Criterion, *, by: User) -> Level:
    _require_draft(criterion.version)
    level = Level(value=len(criterion.levels), label={}, descriptor={}, exemplar={})
    criterion.levels.append(level)
    db.session.flush()
    audit.record("rubric.level_add", criterion, actor=by, value=level.value)
    return level


def remove_level(criterion: Criterion, *, by: User) -> None:
    """Remove the top level (so the values stay 0, 1, 2, …); at least two remain."""
    _require_draft(criterion.version)
    if len(criterion.levels) <= 2:
        raise DomainError(_("%(code)s: a criterion needs at least two levels.",
                            code=criterion.code))
    top = max(criterion.levels, key=lambda lv: lv.value)
    if criterion.min_pass_level is not None and criterion.min_pass_level >= top.value:
        criterion.min_pass_level = None
    criterion.levels.remove(top)
    db.session.delete(top)
    db.session.flush()
    audit.record("rubric.level_remove", criterion, actor=by, value=top.value)


def import_upload(data: bytes, filename: str) -> RubricVersion:
    """A rubric file an editor uploaded, imported as a published version. Its problems follow
    a heading that says nothing was saved: at most 50, a page to read rather than a log."""
    try:
        return import_rubric(loads(data, filename=filename))
    except RubricFileError as error:
        raise DomainError(_("The file was not imported; nothing was saved:"),
                          *error.problems[:50]) from error


def publish_problems(version: RubricVersion) -> list[str]:
    """What blocks publishing, as sentences naming the criterion and the field."""
    content = version_content(version)
    return [describe(problem, content)
            for problem in version_problems(content, track=version.rubric.track)]


def publish(version: RubricVersion, *, by: User) -> None:
    _require_draft(version)
    problems = publish_problems(version)
    if problems:
        raise DomainError(*problems)
    version.content_hash = version_hash(version)
    version.published_at = utcnow()
    version.state = VersionState.published
    db.session.flush()
    audit.record("rubric.publish", version, actor=by, content_hash=version.content_hash)


def retire(version: RubricVersion, *, by: User) -> None:
    """No new competition may use it; applications already written against it keep it."""
    if version.state != VersionState.published:
        raise DomainError(_("Only a published version can be retired."))
    version.state = VersionState.retired
    version.retired_at = utcnow()
    db.session.flush()
    audit.record("rubric.retire", version, actor=by)


# Problems in words ---------------------------------------------------------------------------


def _field_names() -> dict[str, str]:
    return {
        "title": _("the title"), "section": _("the competence area"),
        "guidance": _("the guidance"), "evidence": _("the evidence to attach"),
        "label": _("the label"), "descriptor": _("the descriptor"), "text": _("the text"),
        "note": _("the note"), "weight": _("the weight"), "code": _("the code"),
        "levels": _("the levels"), "min_pass_level": _("the must-pass level"),
        "min_score": _("the minimum score"), "min_levels": _("the minimum levels"),
        "pass_threshold": _("the pass threshold"), "kind": _("the kind"),
        "minimum": _("the minimum"), "criteria": _("the criteria"),
        "evidence_required": _("evidence required"), "exemplar": _("the exemplar"),
        "interview": _("the interview protocol"), "questions": _("the questions"),
        "required": _("required"),
    }


def _language_names() -> dict[str, str]:
    return {"en": _("English"), "ru": _("Russian"), "kk": _("Kazakh")}


def describe(problem: Problem, content: dict) -> str:
    """A problem as a sentence for editors, e.g. 'Criterion P3, level 2: the descriptor in
    Kazakh is missing.'"""
    path = list(problem.path)
    where = []
    if path[:1] == ["version"]:
        path = path[1:]
    if path[:1] == ["criteria"] and len(path) > 1:
        code = content["criteria"][path[1]]["code"] if path[1] < len(content["criteria"]) else "?"
        where.append(_("Criterion %(code)s", code=code))
        path = path[2:]
        if path[:1] == ["levels"] and len(path) > 1:
            where.append(_("level %(value)d", value=path[1]))
            path = path[2:]
    elif path[:1] == ["bands"] and len(path) > 1:
        where.append(_("Band %(number)d", number=path[1] + 1))
        path = path[2:]
    elif path[:1] == ["eligibility"] and len(path) > 1:
        where.append(_("Eligibility requirement %(number)d", number=path[1] + 1))
        path = path[2:]
    elif path[:2] == ["interview", "criteria"] and len(path) > 2:
        probes = content.get("interview", {}).get("criteria", [])
        code = probes[path[2]]["code"] if path[2] < len(probes) else "?"
        where.append(_("Interview, criterion %(code)s", code=code))
        path = path[3:]
        if path[:1] == ["questions"] and len(path) > 1:
            where.append(_("question %(number)d", number=path[1] + 1))
            path = ["text", *path[2:]]
    language = path[-1] if path and path[-1] in ("en", "ru", "kk") else None
    if language:
        path = path[:-1]
    field = _field_names().get(str(path[0]), str(path[0])) if path else ""
    if problem.message == "missing" and language:
        sentence = _("%(field)s in %(language)s is missing.", field=field,
                     language=_language_names()[language])
    elif problem.message == "missing":
        sentence = _("%(field)s is missing.", field=field)
    else:
        sentence = _("%(field)s: %(problem)s.", field=field, problem=_problem_text(problem))
    prefix = ", ".join(where)
    sentence = sentence[:1].upper() + sentence[1:] if not prefix else sentence
    return f"{prefix}: {sentence}" if prefix else sentence


def _problem_text(problem: Problem) -> str:
    known = {
        "expected a number greater than 0": _("must be a number greater than 0"),
        "expected at least two levels": _("at least two levels are needed"),
        "values must be 0, 1, 2, … in order": _("values must be 0, 1, 2, … in order"),
        "expected a level of this criterion": _("must be one of the criterion's levels"),
        "expected a number from 0 to 100": _("must be a number from 0 to 100"),
        "expected at least one criterion": _("at least one criterion is needed"),
        "bands must go up, lowest first": _("bands must go up, lowest first"),
        "no such criterion": _("names a criterion that does not exist"),
        "expected a level of that criterion": _("must be one of that criterion's levels"),
        "expected at least one question": _("at least one question is needed"),
        "expected at least one probed criterion": _("at least one criterion is needed"),
        "the engineer track always interviews: expected true":
            _("the engineer track always interviews: it must be true"),
    }
    if problem.message.endswith("is used twice"):
        return _("is used twice")
    return known.get(problem.message, problem.message)
