"""Routes by audience; importing this package attaches them all to the blueprint."""

from certify.users.views import auth, people  # noqa: F401
