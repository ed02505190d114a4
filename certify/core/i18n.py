"""Locale choice and helpers for content stored per language ({"en": ..., "ru": ..., "kk": ...})."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


def select_locale() -> str:
    """The user's own setting first, then the header switcher's choice, then the browser."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        preferred = getattr(current_user, "preferred_language", None)
        if preferred in languages:
            return preferred
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def localized(texts: Mapping[str, str] | None, language: str | None = None) -> str:
    """Pick the text in the viewer's language, falling back to English, then to any language."""
    if not texts:
        return ""
    language = language or current_language()
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


class TitledEnum(StrEnum):
    """A state stored as its value and shown by a translated title, both on the member's line:
    ``draft = "draft", _l("Draft")``."""

    def __new__(cls, value: str, title: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._display_title = title if title is not None else value
        return member

    @property
    def title(self) -> str:
        return str(self._display_title)
