"""The candidate's form naming a referee, and the referee's answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from assessments.referees.models import Capacity, Verdict
from assessments.referees.operations import RefereeDetails
from certify.core.i18n import localized
from certify.users.forms import MultiCheckboxField, lower_strip, strip


class RefereeForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[strip],
                       validators=[InputRequired(), Length(max=200)])
    email = EmailField(_l("Email"), filters=[lower_strip],
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)])
    organisation = StringField(_l("Organisation"), filters=[strip],
                               validators=[InputRequired(), Length(max=200)])
    relationship = StringField(_l("How they know your work"), filters=[strip],
                               validators=[InputRequired(), Length(max=500)])
    observed_teaching = BooleanField(Capacity.observed_teaching.title)
    supervised_engineering = BooleanField(Capacity.supervised_engineering.title)
    criteria = MultiCheckboxField(_l("Criteria this referee vouches for"), coerce=int,
                                  validators=[Optional()])
    evidence = MultiCheckboxField(_l("Evidence they can vouch for (optional)"), coerce=int,
                                  validators=[Optional()])

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria.choices = [SelectChoice(c.id, f"{c.code}. {localized(c.title)}")
                                 for c in application.competition.rubric_version.criteria]
        self.evidence.choices = [SelectChoice(e.id, f"{e.criterion.code}: {e.title}")
                                 for e in application.evidence]

    def fill_from(self, referee) -> None:
        self.name.data, self.email.data = referee.name, referee.email
        self.organisation.data = referee.organisation
        self.relationship.data = referee.relationship_text
        self.observed_teaching.data = referee.observed_teaching
        self.supervised_engineering.data = referee.supervised_engineering
        self.criteria.data = [c.criterion_id for c in referee.claims]
        self.evidence.data = [e.id for e in referee.evidence]

    def details(self) -> RefereeDetails:
        return RefereeDetails(
            name=self.name.data, email=self.email.data, organisation=self.organisation.data,
            relationship=self.relationship.data,
            capacities={c for c in Capacity if getattr(self, c.value).data},
            criterion_ids=list(self.criteria.data or []),
            evidence_ids=list(self.evidence.data or []))


def answer_form(referee, formdata=None) -> FlaskForm:
    """One confirm-or-dispute choice per linked criterion (``verdict-<criterion id>``), and
    the statement."""

    class AnswerForm(FlaskForm):
        statement = TextAreaField(_l("Your statement"),
                                  validators=[InputRequired(), Length(max=5000)])

        def verdicts(self) -> dict[int, Verdict | None]:
            return {claim.criterion_id: Verdict(value) if (value := self[
                f"verdict-{claim.criterion_id}"].data) in set(Verdict) else None
                for claim in referee.claims}

    for claim in referee.claims:
        setattr(AnswerForm, f"verdict-{claim.criterion_id}", RadioField(
            claim.criterion.code, choices=[SelectChoice(v.value, v.title) for v in Verdict],
            validators=[InputRequired(message=_l("Confirm or dispute this claim."))]))
    return AnswerForm(formdata=formdata) if formdata is not None else AnswerForm()
