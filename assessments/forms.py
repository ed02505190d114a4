"""Forms of the workflow. Per-criterion rows are FieldLists matched to criteria by position,
so a posted criterion id can never redirect an answer to another criterion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from assessments.models import Outcome
from certify.i18n import localized

NARRATIVE_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 3000
REASON_MAX_LENGTH = 5000


def strip(value):
    return value.strip() if isinstance(value, str) else value


def level_choices(criterion) -> list[SelectChoice]:
    return [
        SelectChoice(level.value, f"{level.value} — {localized(level.label)}")
        for level in criterion.levels
    ]


class AnswerForm(Form):
    level = RadioField(_l("Self-assessed level"), coerce=int, validators=[Optional()])
    narrative = TextAreaField(
        _l("Narrative"), filters=[strip], validators=[Length(max=NARRATIVE_MAX_LENGTH)]
    )


class ApplicationForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    eligibility_confirmed = BooleanField(
        _l("I confirm that I meet the eligibility requirements listed above.")
    )
    answers = FieldList(FormField(AnswerForm))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit application"))

    def bind_criteria(self, criteria) -> None:
        """One row per criterion: missing rows added, rows beyond the rubric dropped."""
        while len(self.answers) > len(criteria):
            self.answers.pop_entry()
        while len(self.answers) < len(criteria):
            self.answers.append_entry()
        for entry, criterion in zip(self.answers, criteria, strict=False):
            entry.form.level.choices = level_choices(criterion)


class ScoreForm(Form):
    level = RadioField(_l("Level"), coerce=int, validators=[Optional()])
    comment = TextAreaField(
        _l("Comment"), filters=[strip], validators=[Length(max=COMMENT_MAX_LENGTH)]
    )


class ReviewForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    scores = FieldList(FormField(ScoreForm))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit review"))

    def bind_criteria(self, criteria) -> None:
        """One row per criterion: missing rows added, rows beyond the rubric dropped."""
        while len(self.scores) > len(criteria):
            self.scores.pop_entry()
        while len(self.scores) < len(criteria):
            self.scores.append_entry()
        for entry, criterion in zip(self.scores, criteria, strict=False):
            entry.form.level.choices = level_choices(criterion)


class ApplyForm(FlaskForm):
    """Starting an application: no fields, only the CSRF token."""


class WithdrawForm(FlaskForm):
    confirm = HiddenField(default="yes")


class AssignForm(FlaskForm):
    reviewer = SelectField(_l("Reviewer"), coerce=int, validators=[InputRequired()])


class DecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Decision"), validators=[InputRequired(message=_l("Choose a decision."))]
    )
    reason = TextAreaField(
        _l("Reason (sent to the candidate)"), filters=[strip],
        validators=[DataRequired(), Length(min=10, max=REASON_MAX_LENGTH)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(outcome.value, outcome.title) for outcome in Outcome]
