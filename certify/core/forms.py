from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    """The header's language switcher: one button per language, no JavaScript."""

    next = HiddenField()

    @classmethod
    def for_current_user(cls, *, read_request: bool = True) -> LanguageForm:
        """With a CSRF token only for a logged-in person, whose switch changes their stored
        preference. A visitor's switch changes nothing but their own session's language, so a
        forged one could only show them another language. Without a token, a visitor's pages
        hold no per-session secret, set no cookie and can be shared from the public cache.

        ``read_request=False``: only to render, never reading the request's body (an error
        page, e.g. 413 for a body too large, must not read the body it refuses)."""
        body = {} if read_request else {"formdata": None}
        if current_user.is_authenticated:
            return cls(**body)
        return cls(meta={"csrf": False}, **body)


class ActionForm(FlaskForm):
    """A button that changes something and says nothing more: only the CSRF token."""


def require_action_form() -> None:
    """A button's post carries a valid CSRF token, or the request is refused (400) and nothing
    changes."""
    if not ActionForm().validate_on_submit():
        abort(400)
