"""Absolute addresses of our own pages, for mail, QR codes, credentials and share links.

They are read outside the request that made them (a mail days later, a printed QR code, a
signed credential), so they use the public address (PUBLIC_BASE_URL), never the request's host.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def base_url() -> str:
    """The public address of the site, without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` on the public address; also outside a request (the CLI
    signs credentials and queues mail), where url_for alone would need SERVER_NAME."""
    if has_request_context():
        return base_url() + url_for(endpoint, **values)
    return base_url() + current_app.url_map.bind("localhost").build(endpoint, values)
