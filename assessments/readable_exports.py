"""Exports people can read (issue 16): the same rows as the machine-readable files
(``reports.export_rows``), with headers in the exporter's language, criteria and reviewers by
name, yes/no instead of True/False and decisions in words. Codes and numbers stay as columns
of their own, so a person can still match a row to the system; the machine-readable files
(ids, codes, True/False, English headers) stay available beside these."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from assessments.models import Application, Competition, ImpartialityDeclaration, Review
from assessments.states import Outcome
from certify.core.dates import moment
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.readable import cell, country_name, headed, language_name
from certify.users.models import Branch, User
from rubrics.models import Track

HEADERS = {
    "assessment_id": _l("Application No."),
    "reviewer_id": _l("Reviewer"),
    "criterion_id": _l("Criterion"),
    "criterion_code": _l("Criterion code"),
    "level": _l("Level"),
    "n": _l("Reviews"),
    "mean": _l("Mean level"),
    "median": _l("Median level"),
    "sd": _l("Standard deviation"),
    "min": _l("Lowest level"),
    "max": _l("Highest level"),
    "range": _l("Spread of levels"),
    "self_level": _l("Self-assessed level"),
    "gap": _l("Self-assessment minus panel mean"),
    "claim": _l("Self-assessment"),
    "score": _l("Score, %"),
    "complete": _l("All reviews in"),
    "n_reviewers": _l("Reviewers"),
    "gates_passed": _l("Must-pass criteria met"),
    "disagreement": _l("Reviewers disagree"),
    "below_floor": _l("Criteria below the floor"),
    "recommended": _l("Recommended for the award"),
    "outcome": _l("Decision"),
    "override": _l("Against the recommendation"),
    "confirmed": _l("Final"),
}
CLAIMS = {"over": _l("above the panel"), "under": _l("below the panel"), "": ""}


def readable(competition: Competition, header: list[str],
             rows: Iterable[Sequence]) -> tuple[list[str], Iterator[list]]:
    """``header`` and ``rows`` of a machine-readable export, for people. Two queries (the
    criteria's titles, the reviewers' names), however many rows stream through."""
    titles = {c.id: localized(c.title) for c in competition.rubric_version.criteria}
    reviewers = dict(db.session.execute(
        sa.select(User.id, User.full_name).join(Review, Review.reviewer_id == User.id)
        .join(Application, Application.id == Review.application_id)
        .where(Application.competition_id == competition.id).distinct()).all())
    convert = [_converter(name, titles, reviewers) for name in header]
    names = [str(HEADERS.get(name, name)) for name in header]
    return names, ([change(value) for change, value in zip(convert, row, strict=True)]
                   for row in rows)


def _converter(name: str, titles: dict[int, str], reviewers: dict[int, str]):
    if name == "criterion_id":
        return lambda value: titles.get(value, value)
    if name == "reviewer_id":
        return lambda value: reviewers.get(value, value)
    if name == "claim":
        return lambda value: str(CLAIMS.get(value, value))
    if name == "outcome":
        return lambda value: Outcome(value).title if value else ""
    return cell




# The annual report's workbook, the candidate's feedback and the declarations, for people ------

SHEETS = {"summary": _l("Decisions by title"), "by_university": _l("Decisions by university"),
          "by_country": _l("Decisions by country"), "certificates": _l("Certificates issued")}
REPORT_HEADERS = {
    "track": _l("Award title"), "track_code": _l("Track code"), "university": _l("University"),
    "country": _l("Country"), "country_code": _l("Country code"), "branch": _l("Branch"),
    "branch_code": _l("Branch code"), "total": _l("Total"), "issued": _l("Issued"),
    "revoked": _l("Of them revoked"),
}
SHEET_NAME_MOST = 31  # characters Excel allows in a sheet's name
FEEDBACK_HEADERS = {"criterion": _l("Criterion"), "criterion_code": _l("Criterion code"),
                    "weight_percent": _l("Weight, %"), "self_level": _l("Self-assessed level"),
                    "panel_mean": _l("Mean level")}
DECLARATION_HEADERS = (_l("Name"), _l("Email"), _l("Signed at"), _l("Text version"),
                       _l("Language"), _l("Text SHA-256"), _l("Interests declared"))


def readable_annual_report(sheets: dict[str, pd.DataFrame], year: int
                           ) -> dict[str, pd.DataFrame]:
    """The annual report's tables as workbook sheets named in the reader's language with the
    year: titles, countries and branches by name, each followed by its code."""
    branches = {code: localized(name) for code, name in db.session.execute(
        sa.select(Branch.code, Branch.name)).all()}
    named = {"track": lambda code: Track(code).title, "country": country_name,
             "branch": lambda code: branches.get(code, code)}
    headers = {**REPORT_HEADERS, **{outcome.value: outcome.title for outcome in Outcome}}
    readable_sheets = {}
    for name, frame in sheets.items():
        frame = frame.copy()
        for column, title_of in named.items():
            if column in frame.columns:
                frame.insert(frame.columns.get_loc(column) + 1, f"{column}_code", frame[column])
                frame[column] = frame[column].map(title_of)
        title = str(SHEETS[name])[:SHEET_NAME_MOST - len(f" {year}")]
        readable_sheets[f"{title} {year}"] = headed(frame, headers)
    return readable_sheets


def readable_feedback(frame: pd.DataFrame) -> pd.DataFrame:
    """The candidate's feedback with headers in their language, the criterion's title first
    and its code beside it; reviewers stay numbered (anonymous)."""
    if "criterion" in frame.columns:
        frame = frame[["criterion", *(c for c in frame.columns if c != "criterion")]]
    headers = dict(FEEDBACK_HEADERS)
    for column in frame.columns:
        if column.startswith("reviewer_"):
            number, what = column.removeprefix("reviewer_").split("_", 1)
            headers[column] = (_("Reviewer %(number)s: level", number=number) if what == "level"
                               else _("Reviewer %(number)s: comment", number=number))
    return headed(frame, headers)


def readable_declarations(declarations: Iterable[ImpartialityDeclaration]
                          ) -> tuple[list[str], list[list]]:
    """Who signed the impartiality declaration, for people: the time in the reader's style with
    its zone, the language by name; the text's version and hash stay as they are (they identify
    the text signed)."""
    rows = [[d.user.full_name, d.user.email, moment(d.signed_at), d.text_version,
             language_name(d.language), d.text_sha256, d.interests] for d in declarations]
    return [str(title) for title in DECLARATION_HEADERS], rows
