"""Template filters and globals."""

from __future__ import annotations

import base64
from pathlib import Path

from babel import Locale
from babel.units import format_unit
from flask import Flask
from flask_babel import format_decimal, format_percent, get_locale

from assessments.states import ApplicationState, CompetitionState, Outcome, ReviewState
from certify.certificates.issuer import issuer_name
from certify.certificates.models import CertificateStatus, RenewalState
from certify.core.dates import day, moment
from certify.core.i18n import LANGUAGE_NAMES, current_language, localized
from certify.core.jobs import status_message
from rubrics.models import Track, VersionState


def register(app: Flask) -> None:
    app.jinja_env.filters["tr"] = localized
    # One date style per language (certify/core/dates.py); a template's old "short" argument
    # no longer changes it.
    app.jinja_env.filters["date"] = lambda value, fmt=None: day(value)
    app.jinja_env.filters["datetime"] = lambda value, fmt=None: moment(value)
    for name, enum in (("app_state", ApplicationState), ("competition_state", CompetitionState),
                       ("outcome", Outcome), ("review_state", ReviewState),
                       ("version_state", VersionState)):
        app.jinja_env.filters[name] = lambda value, enum=enum: enum(value).title
    # Official names have one source, the configuration (ISSUER_NAME, AWARD_TITLES): pages,
    # PDFs, mails and credentials all read them from there.
    app.jinja_env.globals["centre_name"] = issuer_name
    app.jinja_env.globals["award_title"] = lambda track: Track(track).title
    app.jinja_env.globals["status_title"] = lambda status: CertificateStatus(status).title
    app.jinja_env.globals["renewal_state"] = lambda state: RenewalState(state).title
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.globals["job_status_message"] = status_message
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_language"] = current_language
    # The icon travels inside each page (236 bytes): no extra request per page, and none left
    # in flight after a page has loaded.
    icon = (Path(app.static_folder) / "favicon.svg").read_bytes()
    app.jinja_env.globals["favicon_uri"] = (
        "data:image/svg+xml;base64," + base64.b64encode(icon).decode("ascii"))


def filesize(size: int) -> str:
    """A file size in the viewer's language (CLDR units via Babel)."""
    locale = get_locale() or "en"
    if size < 1024 * 1024:
        return format_unit(max(1, round(size / 1024)), "digital-kilobyte", length="short",
                           locale=locale)
    return format_unit(round(size / (1024 * 1024), 1), "digital-megabyte", length="short",
                       locale=locale)


def _missing(value) -> bool:
    return value is None or value != value  # NaN: no score yet


def number(value: float | None, digits: int = 2, signed: bool = False) -> str:
    """A figure in the viewer's locale: 3.00 / 3,00; signed: +1.00 / −0.33 style."""
    if _missing(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=f"+{pattern};-{pattern}" if signed else pattern)


def percent(value: float | None, digits: int | None = None) -> str:
    """A score in per cent (0-100) as the locale writes it: 75.0% in English, 75,0 % in
    Russian. Without *digits*: none for whole numbers, one otherwise."""
    if _missing(value):
        return "—"
    if digits is None:
        digits = 0 if float(value).is_integer() else 1
    pattern = Locale.parse(get_locale() or "en").percent_formats[None].pattern
    if digits:  # "#,##0%" -> "#,##0.0%": the integer part ends in its only "0"
        pattern = pattern.replace("0", "0." + "0" * digits, 1)
    return format_percent(value / 100, format=pattern)
