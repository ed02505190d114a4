"""What a track asks of an application's referees (REFEREE_REQUIREMENTS, docs/referees.md):
how many, and what at least one of them must be able to vouch from. Checked twice: the
candidate names them before submitting, and the file goes to review once they answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from assessments.referees.models import Capacity, Referee, RefereeState


@dataclass(frozen=True)
class Requirement:
    count: int = 0
    capacities: tuple[Capacity, ...] = ()

    @property
    def needed(self) -> bool:
        return self.count > 0 or bool(self.capacities)


def requirement_for(track: str) -> Requirement:
    """The configured requirement of a track; a track not configured needs no referee."""
    entry = current_app.config.get("REFEREE_REQUIREMENTS", {}).get(str(track), {})
    return Requirement(count=int(entry.get("count", 0)),
                       capacities=tuple(Capacity(c) for c in entry.get("capacities", ())))


def shortfall(requirement: Requirement, referees: Iterable[Referee], *,
              answered: bool) -> list[str]:
    """Each way ``referees`` fall short of ``requirement``: named ones before submission,
    answered ones (``answered``) before review."""
    counted = [r for r in referees if not answered or r.state == RefereeState.answered]
    problems = []
    if len(counted) < requirement.count:
        problems.append(
            _("%(count)d of %(required)d referees have answered.", count=len(counted),
              required=requirement.count) if answered else
            _("Name at least %(required)d referees (%(count)d named so far).",
              required=requirement.count, count=len(counted)))
    for capacity in requirement.capacities:
        if not any(capacity in r.capacities for r in counted):
            problems.append(
                _("No referee who answered can say: %(capacity)s.",
                  capacity=capacity.title.lower()) if answered else
                _("At least one referee must be able to say: %(capacity)s.",
                  capacity=capacity.title.lower()))
    return problems
