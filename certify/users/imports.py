"""Bulk import of people and reviewers from a CSV or XLSX file (issue 20): read the file, name
every problem per row and column in a preview that writes nothing, then, once confirmed,
create the valid rows' accounts (or add roles to existing ones) in one transaction.

A file is data, never a program: CSV is read as UTF-8 text (a byte-order mark is accepted),
XLSX with openpyxl's ``data_only`` (a formula's cached value at most; nothing is evaluated).
The preview's plan has a digest; the confirmation re-reads the same stored file
(``certify.users.import_store``) and refuses unless the plan's digest is still the same, so
the rows written are exactly the rows shown. Functions flush and never commit."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl
import pandas as pd
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.names import normalise_name
from certify.core.tabular import rows_to_csv, to_xlsx
from certify.users import mailbox
from certify.users.models import (
    Branch,
    ReviewerLanguage,
    ReviewerProfile,
    ReviewerSpecialism,
    Role,
    RoleAssignment,
    User,
)
from certify.users.operations import create_user
from certify.users.permissions import can_change_role, can_view_person
from certify.users.specialisms import SPECIALISM_CODES

COLUMNS = ("email", "full_name", "full_name_native", "affiliation", "country", "branch",
           "preferred_language", "roles", "specialisms", "review_languages", "max_open_reviews")
REQUIRED_COLUMNS = ("email", "full_name", "branch", "roles")
EXAMPLE_ROW = ("aigerim.sadykova@example.kz", "Aigerim Sadykova", "Айгерім Садықова",
               "Karaganda Technical University", "KZ", "KZ", "kk", "reviewer; candidate",
               "mining; geotechnics", "ru; kk", "3")
MAX_ROWS = 1000
LANGUAGES = ("en", "ru", "kk")
IMPORTABLE_ROLES = {Role.candidate, Role.reviewer, Role.coordinator}
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
LIST_SEPARATORS = re.compile(r"[;,]")


def template(kind: str) -> bytes:
    """The file to fill in: the header and one example row."""
    if kind == "csv":
        return rows_to_csv(COLUMNS, [EXAMPLE_ROW])
    return to_xlsx({"people": pd.DataFrame([EXAMPLE_ROW], columns=list(COLUMNS))})


# Reading ---------------------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """The file's rows as text by column name; DomainError when it is not a table we read."""
    limit = current_app.config["PEOPLE_IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(size)d kB.", size=limit // 1024))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        header, rows = _read_csv(data)
    elif extension == "xlsx":
        header, rows = _read_xlsx(data)
    else:
        raise DomainError(_("Upload a CSV or XLSX file."))
    header = [str(name or "").strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise DomainError(_("The first row must name the columns; missing: %(columns)s.",
                            columns=", ".join(missing)))
    table = [{name: cell for name, cell in zip(header, row, strict=False) if name in COLUMNS}
             for row in rows if any(cell for cell in row)]
    if len(table) > MAX_ROWS:
        raise DomainError(_("The file has %(count)d rows; at most %(limit)d are imported at "
                            "once.", count=len(table), limit=MAX_ROWS))
    if not table:
        raise DomainError(_("The file has no rows under its header."))
    return table


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(_("The CSV file is not in UTF-8: save it as \"CSV UTF-8\".")) from error
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
        raise DomainError(_("The file cannot be read as CSV.")) from error
    return (rows[0], rows[1:]) if rows else ([], [])


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        # data_only: a formula's cached value, never the formula run; read_only: streamed.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, TypeError,
            ValueError) as error:
        raise DomainError(_("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = book.worksheets[0]
        rows = [[_cell_text(value) for value in row]
                for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        if sheet.max_row and sheet.max_row > MAX_ROWS + 1:
            raise DomainError(_("The file has %(count)d rows; at most %(limit)d are imported "
                                "at once.", count=sheet.max_row - 1, limit=MAX_ROWS))
    finally:
        book.close()
    return (rows[0], rows[1:]) if rows else ([], [])


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# Planning --------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    """One row of the file: what confirming would do with it, or why it is left out."""

    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    action: str = ""  # "create", "add_roles" or "unchanged" when there is no problem
    roles: list[Role] = field(default_factory=list)
    roles_to_add: list[Role] = field(default_factory=list)
    branch: Branch | None = None
    person: User | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def problem(self, column: str, message: str) -> None:
        self.problems.append((column, message))


def plan_import(table: list[dict[str, str]], *, by: User) -> list[RowPlan]:
    """Each row checked against the file, the database and what ``by`` may do."""
    branches = {b.code: b for b in db.session.scalars(sa.select(Branch))}
    emails = [(row.get("email") or "").strip().lower() for row in table]
    people = {u.email: u for u in db.session.scalars(sa.select(User).where(
        User.email.in_([email for email in emails if email])))}
    first_row: dict[str, int] = {}
    plans = []
    for index, values in enumerate(table):
        plan = RowPlan(number=index + 2, values=values)
        _check_email(plan, first_row)
        _check_person(plan, branches, by)
        if plan.valid:
            _decide(plan, people.get(plan.values["email"]), by)
        plans.append(plan)
    return plans


def _check_email(plan: RowPlan, first_row: dict[str, int]) -> None:
    email = (plan.values.get("email") or "").strip().lower()
    plan.values["email"] = email
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        plan.problem("email", _("Not a valid e-mail address."))
        return
    if email in first_row:
        plan.problem("email", _("The same address as row %(row)d.", row=first_row[email]))
    else:
        first_row[email] = plan.number


def _check_person(plan: RowPlan, branches: dict[str, Branch], by: User) -> None:
    values = plan.values
    for column in ("full_name", "full_name_native"):
        try:
            values[column] = normalise_name(values.get(column) or "") or ""
        except DomainError as error:
            plan.problem(column, error.problems[0])
    if not values["full_name"] or len(values["full_name"]) > 200:
        plan.problem("full_name", _("A full name of 1 to 200 characters is required."))
    code = (values.get("branch") or "").strip().upper()
    plan.branch = branches.get(code)
    if plan.branch is None or not plan.branch.is_active:
        plan.problem("branch", _("No active branch has the code \"%(code)s\".", code=code))
    elif not by.is_admin and plan.branch.id not in by.coordinated_branch_ids:
        plan.problem("branch", _("You import people of your own branch only."))
    country = (values.get("country") or "").strip().upper() or (
        plan.branch.country if plan.branch else "")
    values["country"] = country
    if not COUNTRY_PATTERN.match(country):
        plan.problem("country", _("A country is two Latin letters (ISO 3166), e.g. KZ."))
    values["preferred_language"] = (values.get("preferred_language") or "en").strip().lower()
    if values["preferred_language"] not in LANGUAGES:
        plan.problem("preferred_language", _("Choose en, ru or kk."))
    _check_roles(plan, by)


def _split(value: str | None) -> list[str]:
    return [item.strip().lower() for item in LIST_SEPARATORS.split(value or "") if item.strip()]


def _check_roles(plan: RowPlan, by: User) -> None:
    names = _split(plan.values.get("roles"))
    known = {str(role) for role in IMPORTABLE_ROLES}
    if not names or set(names) - known:
        plan.problem("roles", _("Roles are candidate, reviewer or coordinator."))
        return
    plan.roles = [Role(name) for name in dict.fromkeys(names)]
    if Role.coordinator in plan.roles and not by.is_admin:
        plan.problem("roles", _("Only administrators appoint coordinators."))
    if Role.reviewer not in plan.roles:
        return
    specialisms, languages = _split(plan.values.get("specialisms")), _split(
        plan.values.get("review_languages"))
    if set(specialisms) - SPECIALISM_CODES:
        plan.problem("specialisms", _("Unknown specialism: %(codes)s.", codes=", ".join(
            sorted(set(specialisms) - SPECIALISM_CODES))))
    if set(languages) - set(LANGUAGES):
        plan.problem("review_languages", _("Choose en, ru or kk."))
    load = (plan.values.get("max_open_reviews") or "").strip()
    if load and not (load.isdigit() and 1 <= int(load) <= 100):
        plan.problem("max_open_reviews", _("A whole number from 1 to 100, or empty."))


def _decide(plan: RowPlan, person: User | None, by: User) -> None:
    if person is None:
        plan.action, plan.roles_to_add = "create", list(plan.roles)
        return
    plan.person = person
    plan.roles_to_add = [role for role in plan.roles if role not in person.roles]
    if not plan.roles_to_add:
        plan.action = "unchanged"
    elif not can_view_person(by, person):
        plan.problem("email", _("This address has an account outside your branch."))
    elif person.id == by.id or not all(can_change_role(by, person, role)
                                       for role in plan.roles_to_add):
        plan.problem("roles", _("You may not give this account these roles."))
    elif Role.coordinator in plan.roles_to_add and person.coordinated_branch_ids:
        plan.problem("roles", _("This person coordinates a branch already."))
    else:
        plan.action = "add_roles"


def plan_digest(file_hash: str, plans: list[RowPlan]) -> str:
    """What confirming would write, as a hash: the confirmation must find the same."""
    summary = [file_hash] + [[p.number, p.values["email"], p.action,
                              sorted(str(r) for r in p.roles_to_add)]
                             for p in plans if p.valid]
    return hashlib.sha256(json.dumps(summary).encode()).hexdigest()


# Writing ---------------------------------------------------------------------------------------


def apply_import(plans: list[RowPlan], *, file_hash: str, filename: str, by: User) -> dict:
    """Write the valid rows; audited per person changed and once for the import."""
    counts = {"create": 0, "add_roles": 0, "unchanged": 0}
    for plan in (p for p in plans if p.valid):
        counts[plan.action] += 1
        values = plan.values
        if plan.action == "create":
            person = create_user(
                email=values["email"], password=None, full_name=values["full_name"],
                full_name_native=values["full_name_native"] or None,
                affiliation=(values.get("affiliation") or "")[:300], country=values["country"],
                preferred_language=values["preferred_language"], roles=plan.roles,
                branch=plan.branch, by=by, email_verified=False)
            _add_profile(person, values)
            mailbox.send_activation(person, by=by)
        elif plan.action == "add_roles":
            person = plan.person
            for role in plan.roles_to_add:
                person.role_assignments.append(RoleAssignment(
                    role=role, branch=plan.branch if role == Role.coordinator else None))
            if person.branch is None:
                person.branch = plan.branch
            _add_profile(person, values)
            db.session.flush()
            audit.record("user.import_roles", person, actor=by,
                         roles=sorted(str(r) for r in plan.roles_to_add))
    if counts["create"] + counts["add_roles"] == 0:
        raise DomainError(_("Nothing to import: no row would create or change an account."))
    audit.record("people.import", None, actor=by, filename=filename[:200], sha256=file_hash,
                 rows=len(plans), refused=sum(not p.valid for p in plans), **counts)
    return counts


def _add_profile(person: User, values: dict[str, str]) -> None:
    """A new reviewer's declared specialisms, languages and load (a profile kept if any)."""
    if not person.has_role(Role.reviewer) or person.reviewer_profile is not None:
        return
    load = (values.get("max_open_reviews") or "").strip()
    person.reviewer_profile = ReviewerProfile(
        max_open_reviews=int(load) if load else None,
        specialism_rows=[ReviewerSpecialism(specialism=code)
                         for code in sorted(set(_split(values.get("specialisms"))))],
        language_rows=[ReviewerLanguage(language=code)
                       for code in sorted(set(_split(values.get("review_languages"))))])
    db.session.flush()
