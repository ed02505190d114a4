"""Importing the views attaches their routes to the alerts blueprint."""

from certify.alerts.views import holder, public, staff  # noqa: F401
