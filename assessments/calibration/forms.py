"""The reviewer's calibration form (the review form's rows) and the staff's exemplar forms.
Rows are matched to criteria by position, as in every per-criterion form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from assessments.forms import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH, ScoreForm, strip
from certify.core.i18n import localized
from rubrics.forms import bind_rows

NEW = "new"


class CalibrationForm(FlaskForm):
    scores = FieldList(FormField(ScoreForm))
    submit = SubmitField(_l("Submit and compare"))

    def bind_criteria(self, criteria) -> None:
        bind_rows(self.scores, criteria)


def _optional_level(value):
    return int(value) if value not in (None, "", "None") else None


class ExemplarRowForm(Form):
    level = SelectField(_l("Self-assessed level"), coerce=_optional_level,
                        validators=[Optional()])
    narrative = TextAreaField(_l("Narrative"), filters=[strip],
                              validators=[Length(max=NARRATIVE_MAX_LENGTH)])
    evidence = TextAreaField(_l("Evidence, as described in the file"), filters=[strip],
                             validators=[Length(max=COMMENT_MAX_LENGTH)])
    reference = SelectField(_l("Your reference level"), coerce=_optional_level,
                            validators=[Optional()])


class ExemplarForm(FlaskForm):
    title = StringField(_l("Title (staff only)"), filters=[strip],
                        validators=[DataRequired(), Length(max=200)])
    rows = FieldList(FormField(ExemplarRowForm))
    save = SubmitField(_l("Save the exemplar"))

    def bind_criteria(self, criteria) -> None:
        while len(self.rows) > len(criteria):
            self.rows.pop_entry()
        while len(self.rows) < len(criteria):
            self.rows.append_entry()
        for entry, criterion in zip(self.rows, criteria, strict=False):
            choices = [SelectChoice("", "—")] + [
                SelectChoice(level.value, f"{level.value} — {localized(level.label)}")
                for level in criterion.levels]
            entry.form.level.choices = choices
            entry.form.reference.choices = list(choices)


class ChooseExemplarForm(FlaskForm):
    exemplar = SelectField(_l("Exemplar"), validators=[InputRequired()])

    def __init__(self, *args, exemplars=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.exemplar.choices = [SelectChoice(str(e.id), e.title) for e in exemplars]
        self.exemplar.choices.append(SelectChoice(NEW, _l("A new exemplar")))
