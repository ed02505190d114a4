"""Routes by audience; importing this package attaches them all to the blueprint."""

from assessments.views import (  # noqa: F401
    calibration,
    candidate,
    competitions,
    complaints,
    declarations,
    erasure,
    invitation,
    invitations_manage,
    manage,
    people,
    personal_data,
    pool,
    referees,
    reports,
    reviewer,
    reviewer_credentials,
)
