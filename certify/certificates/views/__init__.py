"""Routes by audience; importing this package attaches them all to the blueprints."""

from certify.certificates.views import api, pages  # noqa: F401
