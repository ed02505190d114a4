"""What the users package does: create accounts, authenticate, change passwords, enable and
disable accounts. Functions flush and never commit; refusals raise DomainError."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.names import normalise_name
from certify.core.passwords import hash_password, needs_rehash, verify_password
from certify.users.models import (
    Branch,
    ReviewerLanguage,
    ReviewerProfile,
    ReviewerSpecialism,
    Role,
    RoleAssignment,
    User,
)
from certify.users.specialisms import SPECIALISM_CODES


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == email.lower())) is not None


def create_user(
    *,
    email: str,
    password: str | None,
    full_name: str,
    country: str,
    roles: Iterable[Role | str],
    branch: Branch | None = None,
    coordinated_branch: Branch | None = None,
    full_name_native: str | None = None,
    affiliation: str = "",
    preferred_language: str = "en",
    by: User | None = None,
    email_verified: bool = True,
) -> User:
    """A new account. A coordinator role needs the branch it coordinates. Without a password
    (``None``: an imported account) nobody logs in until the owner sets one through a mailed
    link (``certify.users.mailbox.send_activation``)."""
    email = email.strip().lower()
    # NFC, and no bidi overrides or zero-width characters (they would reach certificates).
    full_name = normalise_name(full_name)
    full_name_native = normalise_name(full_name_native)
    # The forms check each of these first: only the CLI (in English) meets these words.
    if email_taken(email):
        raise DomainError(f"a user with email {email} already exists")
    roles = [Role(role) for role in roles]
    if not roles:
        raise DomainError("a user needs at least one role")
    if Role.coordinator in roles and coordinated_branch is None:
        coordinated_branch = branch
        if coordinated_branch is None:
            raise DomainError("a coordinator needs a branch")
    user = User(
        email=email,
        password_hash=hash_password(password) if password is not None else unusable_password(),
        full_name=full_name,
        full_name_native=full_name_native or None,
        affiliation=affiliation.strip(),
        country=country.upper(),
        preferred_language=preferred_language,
        branch=branch or coordinated_branch,
        email_verified_at=utcnow() if email_verified else None,
    )
    for role in dict.fromkeys(roles):
        user.role_assignments.append(
            RoleAssignment(
                role=role,
                branch=coordinated_branch if role == Role.coordinator else None,
            )
        )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=by, roles=sorted(roles))
    return user


def unusable_password() -> str:
    """A stored value no password matches (argon2 refuses it as a hash), distinct per account
    so that the reset link's fingerprint of it is too."""
    return "!unset-" + secrets.token_hex(16)


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; the same work is done for unknown emails."""
    user = user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        audit.record("auth.login_failed", user, email_hash=_fingerprint(email))
        return None
    if not user.is_enabled:
        audit.record("auth.login_refused_disabled", user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", user, actor=user)
    return user


def change_password(user: User, current: str, new: str) -> bool:
    if not verify_password(user.password_hash, current):
        return False
    user.password_hash = hash_password(new)
    user.rotate_session_token()  # every other session of this user ends
    audit.record("auth.password_changed", user, actor=user)
    return True


def log_out(user: User) -> None:
    """A copy of the old session cookie must not work after logout (ASVS 7.4.1): the token it
    carries is replaced, which also ends the user's other sessions."""
    audit.record("auth.logout", user, actor=user)
    user.rotate_session_token()


def update_profile(user: User, *, full_name: str, full_name_native: str | None,
                   affiliation: str, preferred_language: str) -> None:
    """The person's own profile. Certificates already issued keep the name printed on them
    (staff correct a certificate's name and re-issue it)."""
    before = {"full_name": user.full_name, "full_name_native": user.full_name_native,
              "affiliation": user.affiliation, "preferred_language": user.preferred_language}
    user.full_name = normalise_name(full_name)
    user.full_name_native = normalise_name(full_name_native) or None
    user.affiliation = affiliation.strip()
    user.preferred_language = preferred_language
    after = {"full_name": user.full_name, "full_name_native": user.full_name_native,
             "affiliation": user.affiliation, "preferred_language": user.preferred_language}
    changed = {key: after[key] for key in after if after[key] != before[key]}
    if changed:
        audit.record("user.profile", user, actor=user, **changed)


def set_preferred_language(user: User, language: str) -> None:
    """The language the person's pages and mail are written in (the header's switcher)."""
    user.preferred_language = language


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def active_branches() -> list[Branch]:
    return list(db.session.scalars(
        sa.select(Branch).where(Branch.is_active).order_by(Branch.code)
    ))


# The branches the centre starts with; the initial migration inserts the same two rows and
# migration 0019 gives them these languages. Every other branch is made on the Branches page.
INITIAL_BRANCHES = (
    {
        "code": "KZ",
        "country": "KZ",
        "name": {"en": "Kazakhstan branch", "ru": "Казахстанский филиал",
                 "kk": "Қазақстан филиалы"},
        "host_institution": {"en": "Karaganda Technical University",
                             "ru": "Карагандинский технический университет",
                             "kk": "Қарағанды техникалық университеті"},
        "languages": ["en", "ru", "kk"],
    },
    {
        "code": "RU",
        "country": "RU",
        "name": {"en": "Russia branch", "ru": "Российский филиал", "kk": "Ресей филиалы"},
        "host_institution": {},
        "languages": ["en", "ru"],
    },
)


def seed_branches() -> list[Branch]:
    """Create the initial branches that are missing (idempotent)."""
    existing = {b.code: b for b in db.session.scalars(sa.select(Branch))}
    for data in INITIAL_BRANCHES:
        if data["code"] not in existing:
            existing[data["code"]] = Branch(**data)
            db.session.add(existing[data["code"]])
    db.session.flush()
    return [existing[data["code"]] for data in INITIAL_BRANCHES]


def set_enabled(user: User, enabled: bool, *, by: User) -> None:
    """Disable (every session ends at once) or enable an account."""
    if user.id == by.id:
        raise DomainError(_("You cannot disable your own account."))
    if enabled and user.erased_at is not None:
        raise DomainError(_("An erased account cannot be enabled again."))
    user.is_enabled = enabled
    user.rotate_session_token()
    db.session.flush()
    audit.record("user.enable" if enabled else "user.disable", user, actor=by)


def set_reviewer_profile(user: User, *, specialisms: Iterable[str], languages: Iterable[str],
                         max_open_reviews: int | None, by: User) -> ReviewerProfile:
    """What a reviewer declares, replacing what they declared before."""
    specialisms, languages = set(specialisms), set(languages)
    if specialisms - SPECIALISM_CODES or languages - {"en", "ru", "kk"}:
        raise DomainError(_("Choose specialisms and languages from the lists."))
    if max_open_reviews is not None and max_open_reviews < 1:
        raise DomainError(_("The number of reviews you accept must be at least 1."))
    profile = user.reviewer_profile
    if profile is None:
        profile = user.reviewer_profile = ReviewerProfile(user_id=user.id)
    # Rows kept where unchanged: a row deleted and inserted again in one flush would collide.
    profile.specialism_rows = [row for row in profile.specialism_rows
                               if row.specialism in specialisms] + [
        ReviewerSpecialism(specialism=code)
        for code in sorted(specialisms - set(profile.specialisms))]
    profile.language_rows = [row for row in profile.language_rows
                             if row.language in languages] + [
        ReviewerLanguage(language=code)
        for code in sorted(languages - set(profile.review_languages))]
    profile.max_open_reviews = max_open_reviews
    db.session.flush()
    audit.record("reviewer.profile", user, actor=by, specialisms=sorted(specialisms),
                 languages=sorted(languages), max_open_reviews=max_open_reviews)
    return profile
