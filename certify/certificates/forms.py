from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


def normalise_number(value):
    return value.strip().upper() if isinstance(value, str) else value


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup, sent with GET

    number = StringField(_l("Certificate number"), filters=[normalise_number],
                         validators=[DataRequired(), Length(max=32)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown on the public verification page)"),
                           filters=[lambda value: value.strip() if value else value],
                           validators=[DataRequired(), Length(min=5, max=1000)])
