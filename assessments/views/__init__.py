"""Routes by audience; importing this package attaches them all to the blueprint."""

from assessments.views import candidate, competitions, manage, people, reports, reviewer  # noqa: F401
