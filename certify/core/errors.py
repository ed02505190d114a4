"""The one error an operation raises when it will not do what was asked.

Operations (``<package>/operations``) raise ``DomainError(*problems)``; each problem is a
message already in the reader's language (``_()`` at raise time, or ``_l()``), optionally
naming the form field it concerns. Views never catch anything else from an operation: the
helper ``certify.core.views.run_operation`` rolls back and shows the problems.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return str(self.message)


class DomainError(Exception):
    """A step that is not allowed now; ``problems`` says each reason to the user."""

    def __init__(self, *problems: str | Problem):
        self.details = tuple(p if isinstance(p, Problem) else Problem(p) for p in problems)
        super().__init__("; ".join(str(p) for p in self.details))

    @property
    def problems(self) -> list[str]:
        """The messages alone, in order."""
        return [str(p) for p in self.details]


class StaleRecord(DomainError):
    """The record changed since the user loaded it (another tab or another person)."""
