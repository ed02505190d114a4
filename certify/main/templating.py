"""Template filters and globals."""

from __future__ import annotations

import base64
from pathlib import Path

from flask import Flask
from flask_babel import format_date, format_datetime

from certify.i18n import LANGUAGE_NAMES, current_language, localized


def register(app: Flask) -> None:
    app.jinja_env.filters["tr"] = localized
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    from assessments.models import ApplicationState, CompetitionState, Outcome, ReviewState
    from rubrics.models import VersionState

    for name, enum in (("app_state", ApplicationState), ("competition_state", CompetitionState),
                       ("outcome", Outcome), ("review_state", ReviewState),
                       ("version_state", VersionState)):
        app.jinja_env.filters[name] = lambda value, enum=enum: enum(value).title
    from certify.certificates.models import CertificateStatus
    from rubrics.models import Track

    app.jinja_env.globals["award_title"] = lambda track: Track(track).title
    from certify.certificates.models import RenewalState

    app.jinja_env.globals["status_title"] = lambda status: CertificateStatus(status).title
    app.jinja_env.globals["renewal_state"] = lambda state: RenewalState(state).title
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_language"] = current_language
    # The icon travels inside each page (236 bytes): no extra request per page, and none left
    # in flight after a page has loaded.
    icon = (Path(app.static_folder) / "favicon.svg").read_bytes()
    app.jinja_env.globals["favicon_uri"] = (
        "data:image/svg+xml;base64," + base64.b64encode(icon).decode("ascii"))


def filesize(size: int) -> str:
    """A file size in the viewer's language (CLDR units via Babel)."""
    from babel.units import format_unit
    from flask_babel import get_locale

    locale = get_locale() or "en"
    if size < 1024 * 1024:
        return format_unit(max(1, round(size / 1024)), "digital-kilobyte", length="short",
                           locale=locale)
    return format_unit(round(size / (1024 * 1024), 1), "digital-megabyte", length="short",
                       locale=locale)
