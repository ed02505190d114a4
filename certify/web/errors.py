"""Translated error pages; a failed request never leaves a half-written transaction."""

from __future__ import annotations

import time

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from certify.core.extensions import db, limiter


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("There is nothing at this address.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        409: (_("Conflict"), _("Someone else changed this in the meantime.")),
        413: (_("Too large"), _("The data you sent is too large.")),
        429: (_("Too many attempts"), _("Too many attempts. Please wait and try again later.")),
        500: (_("Something went wrong"),
              _("An unexpected error occurred. Nothing was saved; please try again.")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, (_("Error"), _("The request failed.")))
    if _wants_json():
        # A stable code for programs ("too_many_requests"), as the API's own errors have;
        # the message is for people, in their language.
        name = HTTP_STATUS_CODES.get(code, "error").lower().replace(" ", "_")
        return {"error": name, "message": detail or message}, code
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def _seconds_until_retry() -> int:
    """When the limit that refused this request lets the next one through (RFC 9110 10.2.3)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, int(breached.reset_at - time.time()))


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            db.session.rollback()
        response = render_error(code)
        if code == 429:
            body, status = response
            return body, status, {"Retry-After": str(_seconds_until_retry())}
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(500)
