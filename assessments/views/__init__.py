"""Routes by audience; importing this package attaches them all to the blueprint."""

from assessments.views import workflow  # noqa: F401
