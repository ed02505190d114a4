"""One date style per language (issue 16): every page, mail and PDF writes dates and times
through these two functions, so "28 Nov 2026" never stands beside "11/28/26".

Dates in CLDR's medium form ("Nov 28, 2026", "28 нояб. 2026 г.", "2026 ж. 28 қар."); times in
the short form with their zone ("Nov 28, 2026, 12:46 PM UTC"), in the configured time zone
(BABEL_DEFAULT_TIMEZONE). *language* forces a language (a mail in the recipient's); by default
the reader's.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale, format_date, format_time, get_locale


def day(value: date | datetime | str | None, language: str | None = None) -> str:
    """``value`` may be an ISO 8601 date, as the API's answers hold it."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if language:
        with force_locale(language):
            return format_date(value, "medium")
    return format_date(value, "medium")


def moment(value: datetime | None, language: str | None = None) -> str:
    """A date and time with its zone, as the language joins them ("{1}, {0}" in English)."""
    if value is None:
        return ""
    if language:
        with force_locale(language):
            return moment(value)
    joined = get_locale().datetime_formats["medium"].format(
        format_time(value, "short"), format_date(value, "medium"))
    return f"{joined} {format_time(value, 'z')}"
