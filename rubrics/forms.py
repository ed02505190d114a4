"""Forms for rubric editing. Texts in three languages are one FormField whose data is
{"en": ..., "ru": ..., "kk": ...}, the shape the models store."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from certify.core.i18n import localized
from rubrics.io import ELIGIBILITY_KINDS
from rubrics.models import Track

ELIGIBILITY_KIND_TITLES = {
    "degree": _l("Degree"),
    "experience_years": _l("Years of experience"),
    "responsible_charge_years": _l("Years in responsible charge"),
    "referees": _l("Referees"),
    "declaration": _l("Declaration"),
    "documents": _l("Documents"),
    "cpd": _l("Professional development"),
    "other": _l("Other"),
}
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def strip(value):
    return value.strip() if isinstance(value, str) else value


def level_choices(criterion) -> list[SelectChoice]:
    """A criterion's levels as radio choices: "2 — Competent"."""
    return [
        SelectChoice(level.value, f"{level.value} — {localized(level.label)}")
        for level in criterion.levels
    ]


def bind_rows(rows: FieldList, criteria) -> None:
    """One row per criterion, matched by position (a posted criterion id can never redirect an
    answer to another criterion): missing rows added, rows beyond the rubric dropped, each
    row's ``level`` offered the criterion's levels."""
    while len(rows) > len(criteria):
        rows.pop_entry()
    while len(rows) < len(criteria):
        rows.append_entry()
    for entry, criterion in zip(rows, criteria, strict=False):
        entry.form.level.choices = level_choices(criterion)


class LevelRowForm(Form):
    level = RadioField(_l("Level"), coerce=int, validators=[Optional()])


class LevelsPreviewForm(FlaskForm):
    """What the candidate's and the reviewer's forms offer per criterion, for the preview."""

    rows = FieldList(FormField(LevelRowForm))


def _texts_form(widget_field, max_length: int):
    class Texts(Form):
        en = widget_field(_l("English"), filters=[strip], validators=[Length(max=max_length)])
        ru = widget_field(_l("Russian"), filters=[strip], validators=[Length(max=max_length)])
        kk = widget_field(_l("Kazakh"), filters=[strip], validators=[Length(max=max_length)])

    return Texts


ShortTexts = _texts_form(StringField, 300)
LongTexts = _texts_form(TextAreaField, 4000)


def texts_data(field) -> dict[str, str]:
    """A three-language field's data without the empty languages."""
    return {language: text for language, text in (field.data or {}).items() if text}


class RubricForm(FlaskForm):
    code = StringField(
        _l("Code"), filters=[strip],
        validators=[DataRequired(), Length(max=32),
                    Regexp(CODE_PATTERN, message=_l("Use letters, digits, '.', '_' or '-'."))],
    )
    track = SelectField(_l("Track"), validators=[InputRequired()])
    title = FormField(ShortTexts, label=_l("Title"))
    description = FormField(LongTexts, label=_l("Description"))
    branch = SelectField(_l("Owned by"), coerce=int, default=0)
    coordinators_may_edit = BooleanField(
        _l("The owning branch's coordinators may edit drafts")
    )

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = [SelectChoice(track.value, track.title) for track in Track]
        self.branch.choices = [SelectChoice(0, _l("The centre (all branches)"))] + [
            SelectChoice(b.id, f"{b.code} — {b.display_name}") for b in branches
        ]


    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for language_field in self.title:
            if not language_field.data:
                language_field.errors.append(_l("The title is needed in every language."))
                valid = False
        return valid


class EligibilityRow(Form):
    code = StringField(_l("Code"), filters=[strip], validators=[Length(max=40)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind, ELIGIBILITY_KIND_TITLES[kind])
                                            for kind in ELIGIBILITY_KINDS], default="other")
    minimum = IntegerField(_l("Minimum"), validators=[Optional(), NumberRange(min=0)])
    text = FormField(ShortTexts, label=_l("Requirement"))


class BandRow(Form):
    code = StringField(_l("Code"), filters=[strip], validators=[Length(max=40)])
    min_score = FloatField(_l("Minimum score (%)"),
                           validators=[Optional(), NumberRange(min=0, max=100)])
    title = FormField(ShortTexts, label=_l("Title"))
    min_levels = StringField(
        _l("Minimum levels, e.g. P11=3, E9=3"), filters=[strip],
        validators=[Optional(), Regexp(r"^\s*([\w.-]+\s*=\s*\d+\s*,?\s*)*$",
                                       message=_l("Write CODE=LEVEL pairs, comma-separated."))],
    )


class VersionSettingsForm(FlaskForm):
    pass_threshold = FloatField(_l("Pass threshold, percent of the weighted score"),
                                validators=[InputRequired(), NumberRange(min=0, max=100)])
    floor_level = IntegerField(_l("Floor: lowest panel score of any criterion for an award"),
                               validators=[Optional(), NumberRange(min=0, max=10)])
    note = FormField(LongTexts, label=_l("Why the rubric is built this way"))
    eligibility = FieldList(FormField(EligibilityRow), label=_l("Eligibility requirements"))
    bands = FieldList(FormField(BandRow), label=_l("Award bands"))

    def eligibility_data(self) -> list[dict]:
        rows = []
        for i, row in enumerate(self.eligibility, start=1):
            text = texts_data(row.form.text)
            if not text and not row.form.code.data:
                continue  # an empty row is no requirement
            rows.append({"code": row.form.code.data or f"requirement-{i}",
                         "kind": row.form.kind.data, "minimum": row.form.minimum.data,
                         "text": text})
        return rows

    def bands_data(self) -> list[dict]:
        rows = []
        for row in self.bands:
            title = texts_data(row.form.title)
            if not title and not row.form.code.data and row.form.min_score.data is None:
                continue
            min_levels = {}
            for pair in filter(None, (p.strip() for p in (row.form.min_levels.data or "")
                                      .split(","))):
                code, _, level = pair.partition("=")
                min_levels[code.strip()] = int(level)
            rows.append({"code": row.form.code.data or "", "min_score": row.form.min_score.data,
                         "title": title, "min_levels": min_levels})
        return rows


class LevelRow(Form):
    label = FormField(ShortTexts, label=_l("Label"))
    descriptor = FormField(LongTexts, label=_l("Descriptor"))
    exemplar = FormField(LongTexts, label=_l("Exemplar (optional): a short example of "
                                             "evidence at this level"))


class CriterionForm(FlaskForm):
    code = StringField(
        _l("Code"), filters=[strip],
        validators=[DataRequired(), Length(max=16),
                    Regexp(CODE_PATTERN, message=_l("Use letters, digits, '.', '_' or '-'."))],
    )
    section = FormField(ShortTexts, label=_l("Competence area"))
    title = FormField(ShortTexts, label=_l("Title"))
    guidance = FormField(LongTexts, label=_l("Guidance for the candidate"))
    evidence = FormField(LongTexts, label=_l("Evidence to attach"))
    weight = FloatField(_l("Weight"), validators=[InputRequired(),
                                                  NumberRange(min=0.01, max=1000)])
    min_pass_level = SelectField(_l("Must-pass level"), default="")
    evidence_required = BooleanField(_l("Evidence is required"))
    levels = FieldList(FormField(LevelRow), label=_l("Levels"))

    def __init__(self, *args, level_count: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_pass_level.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(str(value), str(value)) for value in range(level_count)
        ]
        while len(self.levels) > level_count:
            self.levels.pop_entry()
        while len(self.levels) < level_count:
            self.levels.append_entry()


class ImportForm(FlaskForm):
    file = FileField(_l("Rubric file (JSON or YAML)"),
                     validators=[FileRequired(message=_l("Choose a file."))])

