"""Absolute addresses of our own pages, for mail, QR codes, credentials and share links.

They are read outside the request that made them (a mail days later, a printed QR code, a
signed credential), so they use the public address (PUBLIC_BASE_URL), never the request's host.
"""

from __future__ import annotations

from flask import current_app, url_for


def base_url() -> str:
    """The public address of the site, without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` on the public address."""
    return base_url() + url_for(endpoint, **values)
