"""The national branches of the centre as data (issue 20): administrators create, edit,
deactivate and reactivate them and appoint their coordinators. Functions flush and never
commit; refusals raise DomainError and leave nothing written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core import audit
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.core.names import normalise_name
from certify.users.models import Branch, Role, RoleAssignment, User

# Upper-case Latin letters, 2 to 8 of them: the shape certificate numbers accept
# (certify.certificates.numbering.NUMBER_PATTERN) and a URL keeps as it is.
CODE_PATTERN = re.compile(r"^[A-Z]{2,8}$")
OFFERED_LANGUAGES = ("en", "ru", "kk")


@dataclass(frozen=True)
class BranchInput:
    code: str
    country: str
    name: dict[str, str]
    host_institution: dict[str, str]
    agreement_date: date | None
    agreement_reference: str
    languages: list[str]
    public_contact: str


def normalise_code(code: str) -> str:
    """Codes are stored in upper case: ``uz`` typed is ``UZ``."""
    return (code or "").strip().upper()


def code_problems(code: str, branch: Branch | None) -> list[Problem]:
    """Why ``code`` (normalised) cannot be this branch's code; empty when it can."""
    if not CODE_PATTERN.match(code):
        return [Problem(_("A branch code is 2 to 8 Latin letters, e.g. KZ or UZ."), "code")]
    if branch is not None and branch.code_fixed and code != branch.code:
        return [Problem(_("Certificates already carry the code %(code)s: it cannot change.",
                          code=branch.code), "code")]
    taken = db.session.scalar(sa.select(Branch.id).where(sa.func.upper(Branch.code) == code))
    if taken is not None and (branch is None or taken != branch.id):
        return [Problem(_("Another branch already has the code %(code)s.", code=code), "code")]
    return []


def save_branch(branch: Branch | None, data: BranchInput, *, by: User) -> Branch:
    """Create a branch (``branch=None``) or change one; audited with what changed."""
    code = normalise_code(data.code)
    problems = code_problems(code, branch)
    if not data.name.get("en"):
        problems.append(Problem(_("The branch needs a name in English."), "name_en"))
    if not data.languages or set(data.languages) - set(OFFERED_LANGUAGES):
        problems.append(Problem(_("Choose the languages the branch offers."), "languages"))
    if problems:
        raise DomainError(*problems)
    values = {
        "code": code, "country": data.country.upper(),
        # Shown on certificates and their PDFs: one rule for every name (certify.core.names).
        "name": {lang: normalise_name(text) for lang, text in data.name.items() if text},
        "host_institution": {lang: normalise_name(text)
                             for lang, text in data.host_institution.items() if text},
        "agreement_date": data.agreement_date,
        "agreement_reference": data.agreement_reference.strip(),
        "languages": [lang for lang in OFFERED_LANGUAGES if lang in data.languages],
        "public_contact": data.public_contact.strip(),
    }
    created = branch is None
    if created:
        branch = Branch(is_active=True)
        db.session.add(branch)
        changed = sorted(values)
    else:
        changed = sorted(key for key, value in values.items() if getattr(branch, key) != value)
    for key, value in values.items():
        setattr(branch, key, value)
    db.session.flush()
    audit.record("branch.create" if created else "branch.update", branch, actor=by,
                 code=code, changed=changed)
    return branch


def set_branch_active(branch: Branch, active: bool, *, by: User) -> None:
    """A deactivated branch keeps its people, applications and certificates; it is offered
    nowhere new and takes no new applications or competitions."""
    if branch.is_active == active:
        return
    branch.is_active = active
    db.session.flush()
    audit.record("branch.activate" if active else "branch.deactivate", branch, actor=by,
                 code=branch.code)


def all_branches() -> list[Branch]:
    return list(db.session.scalars(sa.select(Branch).order_by(Branch.is_active.desc(),
                                                              Branch.code)))


def coordinators_of(branch: Branch) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(RoleAssignment)
        .where(RoleAssignment.role == Role.coordinator, RoleAssignment.branch_id == branch.id)
        .order_by(User.full_name)
    ))


def require_active_branch(branch: Branch | None) -> None:
    """Refuse new work (a competition, an application) for a deactivated branch."""
    if branch is not None and not branch.is_active:
        raise DomainError(_("The %(code)s branch is deactivated and takes no new applications.",
                            code=branch.code))
