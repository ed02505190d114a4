"""Routes by audience; importing this package attaches them all to the blueprint."""

from assessments.views import candidate, competitions, manage, reports, reviewer  # noqa: F401
