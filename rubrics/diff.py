"""Differences between two versions' canonical contents (see rubrics.io.version_content)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    path: str  # e.g. "title.ru", "levels[2].descriptor.kk", "weight"
    old: Any
    new: Any


@dataclass
class CriterionDiff:
    code: str
    status: str  # "added", "removed", "changed" or "same"
    old: dict | None
    new: dict | None
    changes: list[Change] = field(default_factory=list)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}, "c": [x]} -> {"a.b": 1, "c[0]": x}: leaves keyed by their path."""
    if isinstance(value, dict):
        items: dict[str, Any] = {}
        for key, item in value.items():
            items |= flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return items or {prefix: {}}
    if isinstance(value, list):
        items = {}
        for i, item in enumerate(value):
            items |= flatten(item, f"{prefix}[{i}]")
        return items or {prefix: []}
    return {prefix: value}


def changes_between(old: Any, new: Any) -> list[Change]:
    before, after = flatten(old), flatten(new)
    return [
        Change(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]


def diff_versions(old: dict, new: dict) -> tuple[list[Change], list[CriterionDiff]]:
    """Changes of the version's settings, and one entry per criterion (matched by code) in the
    newer version's order, removed criteria last."""
    settings = changes_between(
        {k: v for k, v in old.items() if k != "criteria"},
        {k: v for k, v in new.items() if k != "criteria"},
    )
    old_by_code = {c["code"]: (i, c) for i, c in enumerate(old["criteria"], start=1)}
    new_codes = {c["code"] for c in new["criteria"]}
    criteria = []
    for position, criterion in enumerate(new["criteria"], start=1):
        if criterion["code"] not in old_by_code:
            criteria.append(CriterionDiff(criterion["code"], "added", None, criterion))
            continue
        old_position, before = old_by_code[criterion["code"]]
        changes = changes_between(before, criterion)
        if old_position != position:
            changes.insert(0, Change("position", old_position, position))
        criteria.append(CriterionDiff(criterion["code"], "changed" if changes else "same",
                                      before, criterion, changes))
    criteria += [
        CriterionDiff(code, "removed", before, None)
        for code, (_, before) in old_by_code.items() if code not in new_codes
    ]
    return settings, criteria
