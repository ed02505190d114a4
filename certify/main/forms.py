from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    """The header's language switcher: one button per language, no JavaScript."""

    next = HiddenField()


def flash_form_errors(form) -> None:
    """Each field's problems as flash messages (for forms that answer with a redirect)."""
    from flask import flash

    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}" if field.label.text else error, "error")
