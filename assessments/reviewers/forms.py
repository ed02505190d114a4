"""Forms of the reviewer pool: the invitation, the invited reviewer's answer, the pool's
filters, a file's specialism."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import HiddenInput

from assessments.reviewers.invitations import ReviewerDeclaration
from certify.core.forms import confirm_field
from certify.users.forms import (
    MultiCheckboxField,
    NewAccountFields,
    ProfileFields,
    ReviewerProfileForm,
    language_choices,
    lower_strip,
    specialism_choices,
    strip,
)


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[lower_strip],
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)])
    # 0: the pool, no competition.
    competition = SelectField(_l("Invite to"), coerce=int, validators=[InputRequired()])
    language = SelectField(_l("Language of the invitation"), choices=language_choices(),
                           default="en")

    def __init__(self, *args, competitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.competition.choices = [SelectChoice(0, _l("The reviewer pool (no competition)"))] + [
            SelectChoice(c.id, c.display_title) for c in competitions]


class BulkInviteForm(FlaskForm):
    """Several addresses, pasted or in a CSV file; ``digest`` (set by the preview) confirms."""

    addresses = TextAreaField(_l("Addresses, one per line"),
                              validators=[Optional(), Length(max=100_000)])
    file = FileField(_l("Or a CSV file (the email column, or the first)"))
    competition = SelectField(_l("Invite to"), coerce=int, validators=[InputRequired()])
    language = SelectField(_l("Language of the invitation"), choices=language_choices(),
                           default="en")
    digest = HiddenField()

    def __init__(self, *args, competitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.competition.choices = [SelectChoice(0, _l("The reviewer pool (no competition)"))] + [
            SelectChoice(c.id, c.display_title) for c in competitions]


class DeclarationFields(ReviewerProfileForm):
    """What an invited reviewer declares: their profile, and conflicts in the competition."""

    conflicts = MultiCheckboxField(_l("Applications you cannot review impartially"),
                                   coerce=int, validators=[Optional()])
    conflict_reason = TextAreaField(_l("Why (optional)"), filters=[strip],
                                    validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, conflict_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts.choices = [SelectChoice(i, label) for i, label in conflict_choices]

    def declaration(self) -> ReviewerDeclaration:
        return ReviewerDeclaration(**self.declared(),
                                   conflict_ids=list(self.conflicts.data or []),
                                   conflict_reason=self.conflict_reason.data or "")


class AcceptForm(DeclarationFields):
    """An account holder's answer."""


class NewReviewerForm(ProfileFields, NewAccountFields, DeclarationFields):
    """A new reviewer's account and declaration in one page."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why you decline"), filters=[strip],
                           validators=[InputRequired(), Length(max=2000)])


class SpecialismForm(FlaskForm):
    specialism = SelectField(_l("Specialism of the file"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.specialism.choices = [SelectChoice("", _l("Not set"))] + specialism_choices()


class IssueReviewerCredentialsForm(FlaskForm):
    """Issue one reviewer's credential (``reviewer_id``) or every eligible one's (empty)."""

    reviewer_id = IntegerField(widget=HiddenInput(),
                               validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    confirm = confirm_field(_l("I confirm: the credentials are signed and published now, and "
                               "each reviewer can share theirs."))


class RevokeReviewerCredentialForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown on the public verification page)"),
                           filters=[strip], validators=[DataRequired(), Length(min=5, max=1000)])
    confirm = confirm_field(_l("I understand that the reason is shown publicly and that a "
                               "revocation cannot be undone."))
