from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from certify.certificates.cpd.categories import category_title
from certify.certificates.cpd.models import AuditOutcome
from certify.core.forms import confirm_field


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _reflection(label):
    return TextAreaField(label, filters=[strip], validators=[DataRequired(), Length(max=5000)])


class CpdEntryForm(FlaskForm):
    """One CPD activity; the ranges (hours, dates, category) are the operation's to check, so
    the same rule holds for every way in."""

    title = StringField(_l("Activity"), filters=[strip],
                        validators=[DataRequired(), Length(max=200)])
    started_on = DateField(_l("Started on"), validators=[InputRequired()])
    ended_on = DateField(_l("Ended on"), validators=[InputRequired()])
    hours = DecimalField(_l("Hours"), places=1, validators=[InputRequired()])
    category = SelectField(_l("Category"), validators=[InputRequired()])
    plan = _reflection(_l("Plan: what you meant to learn and why"))
    record = _reflection(_l("Record: what you did"))
    reflect = _reflection(_l("Reflect: what you learnt"))
    evaluate = _reflection(_l("Evaluate: how your practice changes"))
    file = FileField(_l("Evidence file (PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB)"))
    url = StringField(_l("or a link"), filters=[strip], validators=[Optional(),
                                                                     Length(max=1000)])
    evidence_title = StringField(_l("Title (optional)"), filters=[strip],
                                 validators=[Optional(), Length(max=200)])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(code, category_title(code)) for code in categories]


class DeleteEntryForm(FlaskForm):
    confirm = confirm_field(_l("Delete this entry and its evidence."))


class DeclarationForm(FlaskForm):
    cpd_kept = BooleanField(_l("I have kept up my continuing professional development this "
                               "year and recorded it in this log."))
    conduct_accepted = BooleanField(_l("I accept the code of conduct and have acted by it."))


class AuditOutcomeForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), validators=[InputRequired(
        message=_l("Choose an outcome."))])
    deadline = DateField(_l("Deadline (unless accepted)"), validators=[Optional()])
    comment = TextAreaField(_l("Comment"), filters=[strip],
                            validators=[DataRequired(), Length(max=3000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(o.value, o.title) for o in AuditOutcome]
