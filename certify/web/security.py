"""Security headers on every response (OWASP ASVS 3.4)."""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


SECOND_FACTOR_EXEMPT = {"auth.second_factor_setup", "auth.logout", "main.set_language",
                        "static", "main.healthz"}


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """A NUL byte is never legitimate text: answer 400 before it reaches the database
        (PostgreSQL would refuse it with an error, SQLite would store it)."""
        if "\x00" in request.path or "%00" in request.query_string.decode("latin-1").lower():
            abort(400)
        if _has_nul(request.args.values()) or _has_nul(request.form.values()):
            abort(400)
        if request.files and any("\x00" in (f.filename or "") for f in request.files.values()):
            abort(400)

    @app.before_request
    def require_second_factor():
        """Staff accounts reach nothing but the enrolment page until a second factor is set."""
        if not current_app.config["REQUIRE_SECOND_FACTOR"] or not current_user.is_authenticated:
            return None
        if current_user.totp_enabled_at is not None or not current_user.needs_second_factor:
            return None
        if request.endpoint in SECOND_FACTOR_EXEMPT or request.endpoint is None:
            return None
        return redirect(url_for("auth.second_factor_setup"))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.startswith(("static", "certificates.verify",
                                                                   "main.healthz")):
            # Pages with personal data are not kept in shared caches (ASVS 14.3.2).
            headers.setdefault("Cache-Control", "no-store")
        return response
