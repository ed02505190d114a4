"""Routes by audience; importing this package attaches them all to the blueprint."""

from assessments.views import (  # noqa: F401
    candidate,
    competitions,
    complaints,
    declarations,
    manage,
    people,
    reports,
    reviewer,
)
