from __future__ import annotations

from flask import abort, flash, redirect
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired


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


def confirm_field(label=None) -> BooleanField:
    """The "I understand" box an irreversible step needs ticked (no JavaScript needed)."""
    return BooleanField(label or _l("I understand that this cannot be undone."),
                        validators=[DataRequired(message=_l("Tick the box to confirm."))])


class ConfirmForm(FlaskForm):
    """A button whose step cannot be undone: the CSRF token and the ticked box."""

    confirm = confirm_field()


def unconfirmed(back: str):
    """None when an irreversible step's post is confirmed; else its answer: 400 for a bad
    CSRF token, or a redirect ``back`` with the reason flashed, and nothing changed."""
    form = ConfirmForm()
    if form.validate_on_submit():
        return None
    if "csrf_token" in form.errors:
        abort(400)
    for error in form.confirm.errors:
        flash(error, "error")
    return redirect(back)
