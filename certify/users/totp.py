"""Second factor: TOTP (RFC 6238, via pyotp) with single-use codes and recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp

from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users.models import User

ISSUER = "Certify"
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").lower().encode()).hexdigest()


def _step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step a code belongs to (this one or a neighbour, for clock drift), or None."""
    totp = pyotp.TOTP(secret)
    now = now or time.time()
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()):
        return None  # compare_digest refuses non-ASCII text; no such code is valid anyway
    for offset in (0, -1, 1):
        moment = now + offset * totp.interval
        if secrets.compare_digest(totp.at(moment), code):
            return int(moment // totp.interval)
    return None


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm a new secret with a code from the app; returns the recovery codes to show once."""
    step = _step(secret, code)
    if step is None:
        return None
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    user.recovery_codes = [_hash(c) for c in codes]
    db.session.flush()
    audit.record("auth.totp_enabled", user, actor=user)
    return codes


def check(user: User, code: str) -> bool:
    """A current code not used before, or an unused recovery code (then spent)."""
    if not user.totp_secret:
        return False
    step = _step(user.totp_secret, code)
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        db.session.flush()
        return True
    digest = _hash(code)
    if digest in (user.recovery_codes or []):
        user.recovery_codes = [c for c in user.recovery_codes if c != digest]
        db.session.flush()
        audit.record("auth.recovery_code_used", user, actor=user,
                     left=len(user.recovery_codes))
        return True
    return False


def confirm_login(user: User, code: str) -> bool:
    """The login's second step: whether the code lets the user in; each try is recorded."""
    if check(user, code):
        audit.record("auth.second_factor", user, actor=user)
        return True
    audit.record("auth.second_factor_failed", user)
    return False
