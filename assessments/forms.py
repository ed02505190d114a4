"""Forms of the workflow. Per-criterion rows are FieldLists matched to criteria by position,
so a posted criterion id can never redirect an answer to another criterion."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from assessments.declarations import signature_matches
from assessments.states import CompetitionState, FindingOutcome, InterviewOutcome, Outcome
from certify.core.forms import confirm_field
from certify.core.i18n import localized
from certify.users.forms import language_choices, specialism_choices
from rubrics.forms import bind_rows

NARRATIVE_MAX_LENGTH = 5000
REVISE = "revise"  # a decision-form choice that is not an outcome: the application goes back
COMMENT_MAX_LENGTH = 3000
REASON_MAX_LENGTH = 5000


def strip(value):
    return value.strip() if isinstance(value, str) else value


class AnswerForm(Form):
    level = RadioField(_l("Self-assessed level"), coerce=int, validators=[Optional()])
    narrative = TextAreaField(
        _l("Narrative"), filters=[strip], validators=[Length(max=NARRATIVE_MAX_LENGTH)]
    )


class ConfirmsSubmission:
    """A form whose "Submit" cannot be undone: it needs its ``confirm_submit`` box ticked."""

    def submit_confirmed(self) -> bool:
        if self.confirm_submit.data:
            return True
        self.confirm_submit.errors = [_("Tick the box to confirm the submission.")]
        return False


class ApplicationForm(ConfirmsSubmission, FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    eligibility_confirmed = BooleanField(
        _l("I confirm that I meet the eligibility requirements listed above.")
    )
    specialism = SelectField(_l("Your specialism"), validators=[Optional()])
    answers = FieldList(FormField(AnswerForm))
    confirm_submit = BooleanField(
        _l("I understand that a submitted application can no longer be changed.")
    )
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit application"))

    def bind_criteria(self, criteria) -> None:
        bind_rows(self.answers, criteria)
        self.specialism.choices = [SelectChoice("", _l("Not chosen"))] + specialism_choices()


class ScoreForm(Form):
    level = RadioField(_l("Level"), coerce=int, validators=[Optional()])
    comment = TextAreaField(
        _l("Comment"), filters=[strip], validators=[Length(max=COMMENT_MAX_LENGTH)]
    )


class ReviewForm(ConfirmsSubmission, FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    scores = FieldList(FormField(ScoreForm))
    confirm_submit = BooleanField(
        _l("I understand that my submitted review goes to the panel as it is.")
    )
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit review"))

    def bind_criteria(self, criteria) -> None:
        bind_rows(self.scores, criteria)


class AssignForm(FlaskForm):
    reviewer = SelectField(_l("Reviewer"), coerce=int, validators=[InputRequired()])


class ReviewerFilterForm(FlaskForm):
    """The hand-assignment page's filters over the eligible reviewers (query string)."""

    class Meta:
        csrf = False

    specialism = SelectField(_l("Specialism"), validators=[Optional()])
    language = SelectField(_l("Review language"), validators=[Optional()])
    load = SelectField(_l("Load"), validators=[Optional()],
                       choices=[SelectChoice("", _l("Any")),
                                SelectChoice("room", _l("With room left"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = SelectChoice("", _l("All"))
        self.specialism.choices = [every] + specialism_choices()
        self.language.choices = [every] + language_choices()

    def filters(self) -> dict:
        """The valid filters as eligible_reviewers' keywords (an invalid one is ignored)."""
        self.validate()
        return {"specialism": self.specialism.data if not self.specialism.errors else None,
                "language": self.language.data if not self.language.errors else None,
                "with_room": self.load.data == "room" and not self.load.errors}


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("Why you cannot review this application impartially"),
                           filters=[strip], validators=[DataRequired(), Length(min=5, max=1000)])


class DecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Decision"), validators=[InputRequired(message=_l("Choose a decision."))]
    )
    reason = TextAreaField(
        _l("Reason (sent to the candidate)"), filters=[strip],
        validators=[DataRequired(), Length(min=10, max=REASON_MAX_LENGTH)],
    )
    confirm = confirm_field(_l("I understand that the decision is recorded and sent to the "
                               "candidate, and cannot be undone."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(outcome.value, outcome.title) for outcome in Outcome]
        self.outcome.choices.append(SelectChoice(REVISE, _l("Revise and resubmit")))


class CompetitionForm(FlaskForm):
    """A call for applications. Times are entered and shown in UTC."""

    title_en = StringField(_l("Title (English)"), filters=[strip],
                           validators=[DataRequired(), Length(max=300)])
    title_ru = StringField(_l("Title (Russian)"), filters=[strip],
                           validators=[DataRequired(), Length(max=300)])
    title_kk = StringField(_l("Title (Kazakh)"), filters=[strip],
                           validators=[DataRequired(), Length(max=300)])
    eligibility_en = TextAreaField(_l("Eligibility (English)"), filters=[strip],
                                   validators=[Optional(), Length(max=3000)])
    eligibility_ru = TextAreaField(_l("Eligibility (Russian)"), filters=[strip],
                                   validators=[Optional(), Length(max=3000)])
    eligibility_kk = TextAreaField(_l("Eligibility (Kazakh)"), filters=[strip],
                                   validators=[Optional(), Length(max=3000)])
    rubric_version = SelectField(_l("Rubric version"), coerce=int, validators=[InputRequired()])
    state = SelectField(_l("State"), validators=[InputRequired()])
    opens_at = DateTimeLocalField(_l("Applications open (UTC)"), validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Applications close (UTC)"), validators=[InputRequired()])
    review_deadline = DateTimeLocalField(_l("Review deadline (UTC, optional)"),
                                         validators=[Optional()])
    min_reviewers = IntegerField(_l("Minimum reviewers per application"), default=2,
                                 validators=[InputRequired(), NumberRange(min=1, max=10)])
    max_reviews_per_reviewer = IntegerField(
        _l("Most applications per reviewer"), default=8,
        validators=[InputRequired(), NumberRange(min=1, max=200)])
    blind_review = BooleanField(_l("Blind review: hide candidates' names from reviewers"))
    # Ticked for a new competition; unticked when posted without it (docs/calibration.md).
    requires_calibration = BooleanField(
        _l("Calibration: reviewers score the exemplar before their first review"), default=True)
    branches = SelectMultipleField(
        _l("Open to branches (none chosen: all branches)"), coerce=int,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )

    def __init__(self, *args, versions=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric_version.choices = [
            SelectChoice(v.id, f"{localized(v.rubric.title)} — v{v.number}") for v in versions
        ]
        self.state.choices = [SelectChoice(s.value, s.title) for s in CompetitionState]
        self.branches.choices = [SelectChoice(b.id, f"{b.code} — {b.display_name}")
                                 for b in branches]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.closes_at.data <= self.opens_at.data:
            self.closes_at.errors.append(_l("Applications must close after they open."))
            return False
        if self.review_deadline.data and self.review_deadline.data < self.closes_at.data:
            self.review_deadline.errors.append(
                _l("The review deadline cannot be before applications close.")
            )
            return False
        return True


class EvidenceForm(FlaskForm):
    """A file or a link for one criterion (the criterion by its position in the rubric)."""

    criterion = IntegerField(validators=[InputRequired()])
    file = FileField(_l("File (PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB)"))
    url = StringField(_l("or a link"), filters=[strip], validators=[Optional(),
                                                                     Length(max=1000)])
    title = StringField(_l("Title (optional)"), filters=[strip],
                        validators=[Optional(), Length(max=200)])


class ReturnForm(FlaskForm):
    message = TextAreaField(_l("What the candidate must add or correct"), filters=[strip],
                            validators=[DataRequired(), Length(min=10, max=3000)])


class PostForm(FlaskForm):
    body = TextAreaField(_l("Message to the panel"), filters=[strip],
                         validators=[DataRequired(), Length(max=5000)])


class InterviewForm(FlaskForm):
    """The interview without a protocol: the panel gives the outcome (``interview_form`` adds
    a finding per probed criterion and drops ``outcome``, which then follows from them)."""

    held_on = DateField(_l("Held on"), validators=[InputRequired()])
    panel = StringField(_l("Panel"), filters=[strip],
                        validators=[DataRequired(), Length(max=500)])
    outcome = RadioField(_l("Outcome"), validators=[InputRequired(
        message=_l("Choose an outcome."))])
    notes = TextAreaField(_l("Notes"), filters=[strip],
                          validators=[DataRequired(), Length(min=10, max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(outcome.value, outcome.title)
                                for outcome in InterviewOutcome]


class _ProtocolInterviewForm(InterviewForm):
    codes: list[str] = []

    def finding_fields(self, index: int):
        return self[f"finding_{index}"], self[f"note_{index}"]

    def findings(self) -> dict[str, tuple[FindingOutcome | None, str]]:
        """{criterion code: (outcome, note)} as posted."""
        posted = {}
        for index, code in enumerate(self.codes):
            finding, note = self.finding_fields(index)
            posted[code] = (FindingOutcome(finding.data) if finding.data else None,
                            note.data or "")
        return posted

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for index, code in enumerate(self.codes):
            finding, note = self.finding_fields(index)
            if finding.data and finding.data != FindingOutcome.confirmed and not note.data:
                note.errors = [*note.errors, _(
                    "%(code)s: say in a note what the interview did not confirm.", code=code)]
                valid = False
        return valid


def interview_form(codes: list[str], **kwargs) -> InterviewForm:
    """The interview form for a rubric's protocol: per probed criterion (``codes``, in the
    protocol's order) a finding and a note, fields ``finding_<i>`` and ``note_<i>``; without
    codes, the plain form where the panel gives the outcome."""
    if not codes:
        return InterviewForm(**kwargs)
    fields = {"codes": list(codes)}
    for index in range(len(codes)):
        fields[f"finding_{index}"] = RadioField(
            _l("What the interview made of it"),
            choices=[SelectChoice(item.value, item.title) for item in FindingOutcome],
            validators=[InputRequired(message=_l("Choose what the interview made of this "
                                                 "criterion."))])
        fields[f"note_{index}"] = TextAreaField(
            _l("Note (needed unless confirmed)"), filters=[strip],
            validators=[Optional(), Length(max=2000)])
    form = type("ProtocolInterviewForm", (_ProtocolInterviewForm,), fields)(**kwargs)
    del form.outcome
    return form


class AppealForm(FlaskForm):
    grounds = TextAreaField(_l("Grounds of your appeal"), filters=[strip],
                            validators=[DataRequired(), Length(min=20, max=5000)])


class ResolveAppealForm(FlaskForm):
    resolution = RadioField(_l("Resolution"), validators=[InputRequired(
        message=_l("Choose a resolution."))])
    reason = TextAreaField(_l("Reason (sent to the candidate)"), filters=[strip],
                           validators=[DataRequired(), Length(min=10, max=3000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolution.choices = [
            SelectChoice("uphold", _l("Uphold the decision")),
            SelectChoice("reopen", _l("Reopen the decision: back under review")),
        ]


class ModerationForm(FlaskForm):
    verdict = RadioField(_l("Second check"), validators=[InputRequired(
        message=_l("Choose a decision."))])
    note = TextAreaField(_l("Note"), filters=[strip],
                         validators=[DataRequired(), Length(min=5, max=3000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verdict.choices = [
            SelectChoice("confirm", _l("Confirm the award: the certificate is issued")),
            SelectChoice("return", _l("Send it back under review")),
        ]


class DeclarationForm(FlaskForm):
    """Signing a competition's declaration: the text's hash as shown, the box, the name typed
    as a signature, and any interests and conflicts declared with it."""

    text_sha256 = HiddenField()
    next = HiddenField()
    agree = BooleanField(_l("I have read the declaration and agree to it"), validators=[
        DataRequired(message=_l("Tick the box to confirm that you have read the declaration "
                                "and agree to it."))])
    full_name = StringField(_l("Your full name, as your signature"), filters=[strip],
                            validators=[DataRequired(), Length(max=200)])
    interests = TextAreaField(
        _l("Interests or ties to declare (optional; required with a conflict)"), filters=[strip],
        validators=[Length(max=REASON_MAX_LENGTH)])
    conflicts = SelectMultipleField(
        _l("Applications I have a conflict of interest with"), coerce=int,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    sign = SubmitField(_l("Sign the declaration"))

    def __init__(self, *args, signer_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.signer_name = signer_name

    def validate_full_name(self, field) -> None:
        if not signature_matches(field.data, self.signer_name):
            raise ValidationError(_("Type your full name exactly as it is on your account: "
                                    "%(name)s.", name=self.signer_name))
