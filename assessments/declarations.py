"""The confidentiality and impartiality declaration staff sign per competition before their
first access to its files (ISO/IEC 17024 §4.3, §6.1–6.2): its text, in one place, versioned.

Changing a word of the text means a new ``DECLARATION_VERSION``: a signature records the
version, the language and the SHA-256 of the exact text shown, so what each person agreed to
can be shown later word for word.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from assessments.models import Application, Competition
from assessments.permissions import (
    can_view_application,
    has_declared_conflict,
    is_candidate_of,
)
from assessments.states import ApplicationState, ReviewState

DECLARATION_VERSION = "2026-1"

_PARAGRAPHS = (
    _l("I will keep confidential everything I learn from the applications, evidence, reviews, "
       "discussions and decisions of this competition, during my work on it and after, and use "
       "it for the assessment alone."),
    _l("I will act impartially: I will judge each candidate only against the published rubric "
       "and the evidence, and no commercial, financial or personal pressure will influence me."),
    _l("I have no conflict of interest with any candidate of this competition — a relative or "
       "close friend, a student or supervisor, a co-author, a colleague at the same institution, "
       "an employer or a competitor — or I declare it below. A conflict that arises later I will "
       "declare as soon as I know of it, and step aside from that file."),
    _l("I understand that this declaration is kept with the date and the exact text I signed, "
       "and that breaking it may remove me from the panel."),
)


@dataclass(frozen=True)
class DeclarationText:
    """The declaration as one person is shown it: in their language, for one competition."""

    version: str
    language: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n\n".join((self.title, *self.paragraphs))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


def declaration_text(competition: Competition) -> DeclarationText:
    """The text in the current language (the one the page is shown in)."""
    return DeclarationText(
        version=DECLARATION_VERSION,
        language=str(get_locale() or "en"),
        title=_("Confidentiality and impartiality declaration: %(competition)s",
                competition=competition.display_title),
        paragraphs=tuple(str(paragraph) for paragraph in _PARAGRAPHS),
    )


def comparable_name(name: str) -> str:
    """A name as a signature is compared: NFC, case-folded, spaces collapsed."""
    folded = unicodedata.normalize("NFC", name or "").casefold()
    return " ".join(unicodedata.normalize("NFC", folded).split())


def signature_matches(typed: str, full_name: str) -> bool:
    return bool(typed and typed.strip()) and comparable_name(typed) == comparable_name(full_name)


def declarable_applications(user, competition: Competition) -> list[Application]:
    """The applications of a competition the user may declare a conflict with when signing:
    those they may see, not their own, not already declared, and without a submitted review of
    theirs (a review already given is not withdrawn for a conflict)."""
    def open_to_declare(application: Application) -> bool:
        own_review = application.review_by(user)
        return (application.state not in (ApplicationState.draft, ApplicationState.withdrawn)
                and not is_candidate_of(user, application)
                and can_view_application(user, application)
                and not has_declared_conflict(user, application)
                and (own_review is None or own_review.state == ReviewState.draft))

    return [a for a in sorted(competition.applications, key=lambda a: a.id) if open_to_declare(a)]
