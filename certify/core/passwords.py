"""Password hashing with argon2id (OWASP ASVS 5.0 Appendix C) and the password policy."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists: an unknown user checks a dummy hash."""
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def _dummy_hash() -> str:
    cached = current_app.extensions.get("certify_dummy_hash")
    if cached is None:
        cached = current_app.extensions["certify_dummy_hash"] = hash_password("not a password")
    return cached


# No composition rules (ASVS 6.2.5): length, and the 30,000 most common passwords of the
# breach corpora that zxcvbn ships (ASVS 6.2.4 asks for at least the top 3,000), plus a few
# that fit our 12-character minimum.
EXTRA_COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "password1234", "qwertyuiop12", "111111111111", "passwordpassword",
        "qwertyqwerty", "123123123123", "iloveyou1234", "administrator", "adminadmin12",
        "letmein12345", "welcome12345", "password123!", "1234567890ab", "abcdefghijkl",
    }
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    # Loaded on first use: 30,000 words that only a password change needs.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | EXTRA_COMMON_PASSWORDS


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password, as translated messages (empty when acceptable)."""
    config = current_app.config
    problems = []
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        problems.append(
            _("Use at least %(count)d characters.", count=config["PASSWORD_MIN_LENGTH"])
        )
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        problems.append(
            _("Use at most %(count)d characters.", count=config["PASSWORD_MAX_LENGTH"])
        )
    if password.lower() in common_passwords():
        problems.append(_("This password is too common; choose another."))
    return problems
