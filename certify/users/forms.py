"""Forms about people: registration, login, password change, accounts made by an admin."""

from __future__ import annotations

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from certify.core.i18n import LANGUAGE_NAMES, current_language
from certify.core.names import PlainName, nfc
from certify.core.passwords import password_problems
from certify.users.branches import OFFERED_LANGUAGES, BranchInput
from certify.users.models import Branch, Role
from certify.users.specialisms import Specialism

# CLDR region codes that are not countries (unknown region, EU, eurozone, UN, pseudo-regions).
NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


def country_choices() -> list[SelectChoice]:
    """ISO 3166 alpha-2 countries, named and sorted in the viewer's language."""
    names = Locale.parse(current_language()).territories
    countries = [
        (code, name) for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    return [SelectChoice("", "—")] + [
        SelectChoice(code, name) for code, name in sorted(countries, key=lambda item: item[1])
    ]


def language_choices(codes=tuple(LANGUAGE_NAMES)) -> list[SelectChoice]:
    """Each language named in itself, marked as such (WCAG 3.1.2): a screen reader reads
    "Қазақша" in Kazakh on a Russian page."""
    return [SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code}) for code in codes]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_int(value):
    return int(value) if value not in ("", None) else None


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


class NewPassword:
    """The password policy as a WTForms validator."""

    def __call__(self, form, field):
        problems = password_problems(field.data or "")
        if problems:
            raise ValidationError(" ".join(problems))


class ProfileFields(FlaskForm):
    full_name = StringField(
        _l("Full name (as in your passport, Latin letters)"),
        filters=[nfc], validators=[DataRequired(), Length(max=200), PlainName()],
    )
    full_name_native = StringField(
        _l("Full name in native script (optional)"),
        filters=[nfc], validators=[Optional(), Length(max=200), PlainName()],
    )
    affiliation = StringField(
        _l("University or company"), filters=[strip], validators=[DataRequired(), Length(max=300)]
    )
    country = SelectField(_l("Country"), validators=[InputRequired()])
    preferred_language = SelectField(
        _l("Preferred language"),
        choices=language_choices(),
        default="en",
    )
    branch = SelectField(_l("National branch"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self._branches = {b.id: b for b in branches}
        self.branch.choices = [
            SelectChoice(b.id, f"{b.code} — {b.display_name}") for b in branches
        ]

    def profile(self) -> dict:
        """The validated profile, as keyword arguments of ``create_user``."""
        return {
            "full_name": self.full_name.data,
            "full_name_native": self.full_name_native.data,
            "affiliation": self.affiliation.data,
            "country": self.country.data,
            "preferred_language": self.preferred_language.data,
            "branch": self._branches[self.branch.data],
        }


class NewAccountFields(FlaskForm):
    """The password and consent of a person creating their own account."""

    password = PasswordField(_l("Password"), validators=[InputRequired(), NewPassword()])
    password_again = PasswordField(
        _l("Repeat password"),
        validators=[InputRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )
    accept_terms = BooleanField(
        _l("I agree that my data is processed for assessment and certification."),
        validators=[InputRequired(message=_l("Please accept to continue."))],
    )


class RegistrationForm(ProfileFields, NewAccountFields):
    email = EmailField(
        _l("Email"), filters=[lower_strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class AccountForm(FlaskForm):
    """The profile a person keeps up themselves (the same fields as at registration)."""

    full_name = ProfileFields.full_name
    full_name_native = ProfileFields.full_name_native
    affiliation = ProfileFields.affiliation
    preferred_language = ProfileFields.preferred_language


class EmailChangeForm(FlaskForm):
    new_email = EmailField(_l("New email address"), filters=[lower_strip],
                           validators=[DataRequired(), Email(), Length(max=254)])
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[lower_strip],
                       validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[lower_strip],
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)])


class PasswordResetForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[InputRequired(), NewPassword()])
    new_password_again = PasswordField(
        _l("Repeat new password"),
        validators=[InputRequired(),
                    EqualTo("new_password", message=_l("Passwords do not match."))],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(_l("New password"), validators=[InputRequired(), NewPassword()])
    new_password_again = PasswordField(
        _l("Repeat new password"),
        validators=[InputRequired(),
                    EqualTo("new_password", message=_l("Passwords do not match."))],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserCreateForm(ProfileFields):
    """An account made by an administrator (reviewers, coordinators, other admins)."""

    email = EmailField(
        _l("Email"), filters=[lower_strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    roles = MultiCheckboxField(
        _l("Roles"), validators=[InputRequired(message=_l("Choose at least one role."))]
    )
    password = PasswordField(_l("Initial password"), validators=[InputRequired(), NewPassword()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [SelectChoice(role.value, role.title) for role in Role]


def specialism_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, s.title) for s in Specialism]


class ReviewerProfileForm(FlaskForm):
    """What a reviewer declares about themselves (``certify.users.models.ReviewerProfile``)."""

    specialisms = MultiCheckboxField(
        _l("Your specialisms"),
        validators=[InputRequired(message=_l("Choose at least one specialism."))])
    review_languages = MultiCheckboxField(
        _l("Languages you can review in"),
        validators=[InputRequired(message=_l("Choose at least one language."))])
    max_open_reviews = IntegerField(
        _l("The most reviews you accept at a time (optional)"),
        validators=[Optional(), NumberRange(min=1, max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.specialisms.choices = specialism_choices()
        self.review_languages.choices = language_choices()

    def fill_from(self, profile) -> None:
        if profile is not None:
            self.specialisms.data = profile.specialisms
            self.review_languages.data = profile.review_languages
            self.max_open_reviews.data = profile.max_open_reviews

    def declared(self) -> dict:
        """As keyword arguments of ``set_reviewer_profile``."""
        return {"specialisms": list(self.specialisms.data),
                "languages": list(self.review_languages.data),
                "max_open_reviews": self.max_open_reviews.data}


class CodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       filters=[strip], validators=[DataRequired(), Length(max=32)])


class BranchForm(FlaskForm):
    """A national branch: its code (in certificate numbers), names and agreement."""

    code = StringField(_l("Code (in certificate numbers)"), filters=[strip],
                       validators=[DataRequired()])  # the shape: users.branches
    country = SelectField(_l("Country"), validators=[InputRequired()])
    # Names reach certificates and their PDFs: the personal-name rule (certify.core.names).
    name_en = StringField(_l("Name (English)"), filters=[nfc],
                          validators=[DataRequired(), Length(max=200), PlainName()])
    name_ru = StringField(_l("Name (Russian)"), filters=[nfc],
                          validators=[Length(max=200), PlainName()])
    name_kk = StringField(_l("Name (Kazakh)"), filters=[nfc],
                          validators=[Length(max=200), PlainName()])
    host_en = StringField(_l("Host institution (English)"), filters=[nfc],
                          validators=[Length(max=300), PlainName()])
    host_ru = StringField(_l("Host institution (Russian)"), filters=[nfc],
                          validators=[Length(max=300), PlainName()])
    host_kk = StringField(_l("Host institution (Kazakh)"), filters=[nfc],
                          validators=[Length(max=300), PlainName()])
    agreement_date = DateField(_l("Agreement date"), validators=[Optional()])
    agreement_reference = StringField(_l("Agreement reference"), filters=[strip],
                                      validators=[Length(max=100)])
    languages = MultiCheckboxField(
        _l("Languages offered"),
        choices=language_choices(OFFERED_LANGUAGES),
        validators=[InputRequired(message=_l("Choose the languages the branch offers."))],
    )
    public_contact = StringField(_l("Public contact"), filters=[strip],
                                 validators=[Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    @classmethod
    def of(cls, branch: Branch) -> dict:
        """The form's data for an existing branch."""
        return {"code": branch.code, "country": branch.country,
                **{f"name_{lang}": branch.name.get(lang, "") for lang in OFFERED_LANGUAGES},
                **{f"host_{lang}": branch.host_institution.get(lang, "")
                   for lang in OFFERED_LANGUAGES},
                "agreement_date": branch.agreement_date,
                "agreement_reference": branch.agreement_reference,
                "languages": list(branch.languages), "public_contact": branch.public_contact}

    def branch_input(self) -> BranchInput:
        return BranchInput(
            code=self.code.data, country=self.country.data,
            name={lang: getattr(self, f"name_{lang}").data or "" for lang in OFFERED_LANGUAGES},
            host_institution={lang: getattr(self, f"host_{lang}").data or ""
                              for lang in OFFERED_LANGUAGES},
            agreement_date=self.agreement_date.data,
            agreement_reference=self.agreement_reference.data or "",
            languages=list(self.languages.data or []),
            public_contact=self.public_contact.data or "",
        )


class AppointCoordinatorForm(FlaskForm):
    email = EmailField(_l("Email of the person to appoint"), filters=[lower_strip],
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)])


class GrantRoleForm(FlaskForm):
    role = SelectField(_l("Role"))
    branch = SelectField(_l("Branch (for a coordinator)"), coerce=optional_int)

    def __init__(self, *args, roles=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(role.value, role.title) for role in roles]
        self._branches = {b.id: b for b in branches}
        self.branch.choices = [SelectChoice("", "—")] + [
            SelectChoice(b.id, f"{b.code} — {b.display_name}") for b in branches]

    def chosen_branch(self) -> Branch | None:
        return self._branches.get(self.branch.data)


class PeopleImportForm(FlaskForm):
    """A CSV or XLSX of people to preview (its size and type are checked on reading)."""

    file = FileField(_l("CSV or XLSX file of people"),
                     validators=[FileRequired(message=_l("Choose a file."))])


class ConfirmImportForm(FlaskForm):
    """The preview's confirmation: only the signed ticket of the stored file."""

    ticket = HiddenField(validators=[DataRequired()])


class ErasureRequestForm(FlaskForm):
    """A person asks for their personal data to be erased; the password confirms it is them."""

    reason = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=2000)])
    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=1024)])


class ErasureRefusalForm(FlaskForm):
    reason = TextAreaField(_l("Reason for refusing (sent to the person)"),
                           validators=[InputRequired(), Length(min=10, max=2000)])
