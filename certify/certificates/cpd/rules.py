"""Per-track CPD rules weighed against a holder's log: pure (pandas only), so the same figures
show as progress to the holder and decide a renewal request.

A rule (``CPD_RULES[track]``, docs/cpd.md)::

    {"years": 3, "total_hours": 150, "minimum_hours": {"area_of_practice": 50, ...},
     "window": "years"}      # or "validity": the certificate's validity period

An entry counts in the window when it ended inside it (both days included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

COLUMNS = ("ended_on", "hours", "category")


@dataclass(frozen=True)
class Requirement:
    """One figure a rule asks for: the total (``category`` None) or a category's minimum."""

    category: str | None
    needed: float
    done: float

    @property
    def passed(self) -> bool:
        return self.done >= self.needed

    @property
    def percent(self) -> int:
        """How far along, 0–100 (for a progress bar)."""
        return 100 if self.needed <= 0 else min(100, int(100 * self.done / self.needed))


@dataclass(frozen=True)
class Evaluation:
    starts: date
    ends: date
    total: float
    hours_by_category: dict[str, float]
    requirements: tuple[Requirement, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.requirements)

    @property
    def failed(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.passed)

    def summary(self) -> dict:
        """Plain data to keep with a renewal request (what was weighed, as it was)."""
        return {"starts": self.starts.isoformat(), "ends": self.ends.isoformat(),
                "total": self.total, "hours_by_category": self.hours_by_category,
                "requirements": [{"category": r.category, "needed": r.needed, "done": r.done,
                                  "passed": r.passed} for r in self.requirements]}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def rule_window(rule: dict, today: date, valid_from: date | None = None,
                valid_until: date | None = None) -> tuple[date, date]:
    """The days whose CPD counts: the rule's ``years`` ending today, or with
    ``"window": "validity"`` the certificate's validity period up to today."""
    if rule.get("window") == "validity" and valid_from is not None:
        return valid_from, min(today, valid_until or today)
    return _years_before(today, int(rule.get("years", 3))), today


def frame(rows) -> pd.DataFrame:
    """Entries (dicts or objects with ended_on, hours, category) as the frame ``evaluate``
    reads."""
    records = [row if isinstance(row, dict) else {c: getattr(row, c) for c in COLUMNS}
               for row in rows]
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def evaluate(entries: pd.DataFrame, rule: dict, starts: date, ends: date) -> Evaluation:
    """The hours in the window, in all and per category, against the rule's figures."""
    inside = entries[(entries["ended_on"] >= starts) & (entries["ended_on"] <= ends)]
    by_category = {str(k): round(float(v), 1)
                   for k, v in inside.groupby("category")["hours"].sum().items()}
    total = round(float(inside["hours"].sum()), 1)
    requirements = [Requirement(None, float(rule.get("total_hours", 0)), total)]
    requirements += [Requirement(category, float(needed), by_category.get(category, 0.0))
                     for category, needed in (rule.get("minimum_hours") or {}).items()]
    return Evaluation(starts, ends, total, by_category, tuple(requirements))
