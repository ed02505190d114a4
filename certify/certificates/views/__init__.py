"""Routes by audience; importing this package attaches them all to the blueprints."""

from certify.certificates.views import admin, api, holder, public, register, reviewer  # noqa: F401
