"""The public complaint form and the staff's forms (assign an investigator, record the
outcome)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from assessments.complaints.models import ComplaintOutcome, ComplaintSubject
from assessments.states import CompetitionState
from certify.certificates.lookups import find_certificate
from certify.core.names import PlainName, nfc

DESCRIPTION_MIN_LENGTH = 30
DESCRIPTION_MAX_LENGTH = 5000


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def titled_choices(states) -> list[SelectChoice]:
    """A state enum's members as choices, titled in the viewer's language (so built per
    request, not at import)."""
    return [SelectChoice(member.value, member.title) for member in states]


def optional_id(value):
    """A select's "—" (empty) as None, anything else as the id it names."""
    return int(value) if value not in (None, "", "None") else None


class ComplaintForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[nfc],
                       validators=[DataRequired(), Length(max=200), PlainName()])
    email = EmailField(_l("Your email"), filters=[lower_strip],
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)])
    subject = RadioField(_l("Your complaint is about"),
                         validators=[InputRequired(message=_l("Choose what it is about."))])
    certificate_number = StringField(_l("Certificate number"), filters=[strip],
                                     validators=[Length(max=32)])
    competition = SelectField(_l("Competition (optional)"), coerce=optional_id)
    branch = SelectField(_l("National branch (optional)"), coerce=optional_id)
    description = TextAreaField(
        _l("What happened"), filters=[strip],
        validators=[DataRequired(),
                    Length(min=DESCRIPTION_MIN_LENGTH, max=DESCRIPTION_MAX_LENGTH)])

    def __init__(self, *args, competitions=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = titled_choices(ComplaintSubject)
        self.competition.choices = [SelectChoice("", "—")] + [
            SelectChoice(c.id, c.display_title) for c in competitions
            if c.state != CompetitionState.draft]
        self.branch.choices = [SelectChoice("", "—")] + [
            SelectChoice(b.id, f"{b.code} — {b.display_name}") for b in branches]

    def validate_certificate_number(self, field):
        """Named and existing when the complaint is about a holder; nothing else is said about
        the certificate (the public verification page answers the same)."""
        if self.subject.data != ComplaintSubject.certificate:
            return
        if not field.data:
            raise ValidationError(_l("Give the number of the certificate."))
        if find_certificate(field.data) is None:
            raise ValidationError(_l("No certificate has this number."))


class AssignInvestigatorForm(FlaskForm):
    # Any id is accepted here: the operation says why someone may not investigate.
    investigator = SelectField(_l("Investigator"), coerce=int, validate_choice=False,
                               validators=[InputRequired(message=_l("Choose an investigator."))])

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.investigator.choices = [SelectChoice(p.id, f"{p.full_name} <{p.email}>")
                                     for p in staff]


class ComplaintOutcomeForm(FlaskForm):
    outcome = RadioField(_l("Outcome"),
                         validators=[InputRequired(message=_l("Choose an outcome."))])
    findings = TextAreaField(_l("Findings of the investigation (kept in the record)"),
                             filters=[strip],
                             validators=[DataRequired(), Length(min=10, max=5000)])
    reason = TextAreaField(
        _l("Reason (sent to the complainant; for a suspension or withdrawal also shown on "
           "the public verification page)"),
        filters=[strip], validators=[DataRequired(), Length(min=10, max=3000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = titled_choices(ComplaintOutcome)
