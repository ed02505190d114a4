from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    """The header's language switcher: one button per language, no JavaScript."""

    next = HiddenField()
