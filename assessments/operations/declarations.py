"""Signing a competition's confidentiality and impartiality declaration (ISO/IEC 17024 §4.3,
§6.1–6.2), with the conflicts of interest declared at the same time."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from assessments.declarations import (
    DeclarationText,
    declarable_applications,
    signature_matches,
)
from assessments.models import Application, Competition, ImpartialityDeclaration
from assessments.operations.reviews import declare_staff_conflict
from assessments.permissions import can_sign_declaration, has_signed_declaration
from certify.core import audit
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.users.models import User


def sign_declaration(
    competition: Competition,
    text: DeclarationText,
    *,
    shown_sha256: str,
    agreed: bool,
    signed_name: str,
    interests: str,
    conflicts: Sequence[Application],
    by: User,
) -> ImpartialityDeclaration:
    """Record the signature on ``text`` (the text as the signer's page shows it now) and a
    conflict with each of ``conflicts``, in one transaction; refuse everything otherwise."""
    if not can_sign_declaration(by, competition):
        raise DomainError(_("Only staff and reviewers sign a competition's declaration."))
    if has_signed_declaration(by, competition):
        raise DomainError(_("You have already signed the declaration for this competition."))
    interests = (interests or "").strip()
    problems = []
    if shown_sha256 != text.sha256:
        problems.append(Problem(_("The text of the declaration has changed since the page was "
                                  "opened: read it again before signing.")))
    if not agreed:
        problems.append(Problem(_("Tick the box to confirm that you have read the declaration "
                                  "and agree to it."), field="agree"))
    if not signature_matches(signed_name, by.full_name):
        problems.append(Problem(_("Type your full name exactly as it is on your account: "
                                  "%(name)s.", name=by.full_name), field="full_name"))
    allowed = {a.id for a in declarable_applications(by, competition)}
    if any(a.id not in allowed for a in conflicts):
        problems.append(Problem(_("Choose conflicts only among the applications listed."),
                                field="conflicts"))
    if conflicts and not interests:
        problems.append(Problem(_("Describe the interests or ties behind the conflicts you "
                                  "declare."), field="interests"))
    if problems:
        raise DomainError(*problems)

    declaration = ImpartialityDeclaration(
        user_id=by.id, competition_id=competition.id, text_version=text.version,
        text_sha256=text.sha256, language=text.language, signed_name=signed_name.strip(),
        interests=interests)
    db.session.add(declaration)
    db.session.flush()
    for application in conflicts:
        declare_staff_conflict(application, interests, by=by)
    audit.record("competition.declaration", competition, actor=by,
                 text_version=text.version, text_sha256=text.sha256, language=text.language,
                 interests=interests, conflicts=sorted(a.id for a in conflicts))
    return declaration
