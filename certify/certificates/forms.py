from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from certify.certificates.numbering import normalise
from certify.core.forms import confirm_field
from certify.core.names import PlainName, nfc

MAX_CREDENTIAL_BYTES = 256 * 1024


def normalise_number(value):
    return normalise(value) if isinstance(value, str) else value


def strip(value):
    return value.strip() if isinstance(value, str) else value


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup, sent with GET

    number = StringField(_l("Certificate number"), filters=[normalise_number],
                         validators=[DataRequired(), Length(max=32)])


class CredentialCheckForm(FlaskForm):
    """A credential JSON pasted or uploaded by anyone, to check it."""

    class Meta:
        csrf = False  # changes nothing: like the lookup, open to every visitor

    credential = TextAreaField(_l("Credential JSON"), filters=[strip],
                               validators=[Optional(), Length(max=MAX_CREDENTIAL_BYTES)])
    file = FileField(_l("or a credential file (.json)"),
                     validators=[FileSize(MAX_CREDENTIAL_BYTES,
                                          message=_l("The file is too large."))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown on the public verification page)"),
                           filters=[strip],
                           validators=[DataRequired(), Length(min=5, max=1000)])


class StatusChangeForm(ReasonForm):
    """Suspend, reinstate or revoke: one reason, and the box that says what will happen."""

    confirm = confirm_field(_l("I understand that the reason is shown publicly and that a "
                               "revocation cannot be undone."))


class CorrectNameForm(ReasonForm):
    reason = TextAreaField(_l("Reason for the correction (recorded)"), filters=[strip],
                           validators=[DataRequired(), Length(min=5, max=1000)])
    full_name = StringField(_l("Full name (Latin letters, as in the passport)"),
                            filters=[nfc],
                            validators=[DataRequired(), Length(max=200), PlainName()])
    full_name_native = StringField(_l("Full name in native script (optional)"),
                                   filters=[nfc],
                                   validators=[Optional(), Length(max=200), PlainName()])


class BulkVerifyForm(FlaskForm):
    class Meta:
        csrf = False  # changes nothing: open to every visitor, like the API

    file = FileField(_l("CSV file with one certificate number per row"),
                     validators=[FileRequired(message=_l("Choose a file.")),
                                 FileSize(2 * 1024 * 1024, message=_l("The file is too large."))])
    download = BooleanField(_l("Download the results as CSV"))


class RenewalForm(FlaskForm):
    """The hours come from the CPD log; the holder adds a word on their practice."""

    narrative = TextAreaField(
        _l("What you did and learnt (courses, conferences, projects, publications)"),
        filters=[strip], validators=[DataRequired(), Length(min=20, max=5000)])


class PrivacyForm(FlaskForm):
    is_private = BooleanField(
        _l("Private: anyone with the number can verify it, but only I can download the PDF "
           "and the signed credential"))


class RenewalDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[InputRequired(
        message=_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason"), filters=[strip],
                           validators=[DataRequired(), Length(min=5, max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [SelectChoice("approve", _l("Approve: issue the renewed "
                                                            "certificate")),
                                 SelectChoice("refuse", _l("Refuse"))]
