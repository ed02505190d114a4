"""Login throttling that an attacker cannot turn into a lockout (issue 14).

Failed password logins are counted three ways (Flask-Limiter, in its shared store):

* per account *and* client address (``LOGIN_FAILURE_LIMIT``, the tight limit): one address
  guessing one account is stopped soon, and only that address is stopped;
* per client address over all accounts (``LOGIN_ADDRESS_LIMIT``): password spraying;
* per account over all addresses (``LOGIN_ACCOUNT_LIMIT``, the slow global ceiling): many
  addresses guessing one account.

The ceiling alone could lock the owner out, so a browser that has logged in to the account
before passes it: a successful login sets a signed "known device" cookie
(``KNOWN_DEVICE_COOKIE``, ``KNOWN_DEVICE_MAX_AGE``) naming the account, and the ceiling does not
apply to a login for that account from that browser. The per-address limits still do.

The second factor: after the password, the session holds only an opaque pending-login reference
(a random id, the user id and an expiry), never the account's session token. Wrong codes are
counted per pending login (``TOTP_PENDING_GUESSES``; then the pending login is dropped and the
password must be given again) and per account (``TOTP_ACCOUNT_LIMIT``), whatever the address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from certify.core.extensions import limiter

KNOWN_DEVICE_COOKIE = "certify_device"
KNOWN_DEVICE_SALT = "certify.known-device"
PENDING_KEY = "pending_login"


def submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower() or "-"


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:24]


def account_and_address() -> str:
    return f"login:{_fingerprint(submitted_email())}:{get_remote_address()}"


def account() -> str:
    return f"login-account:{_fingerprint(submitted_email())}"


def failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=KNOWN_DEVICE_SALT)


def known_device() -> bool:
    """Whether this browser has logged in to the account being logged in to before."""
    cookie = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        accounts = _devices().loads(cookie, max_age=current_app.config["KNOWN_DEVICE_MAX_AGE"])
    except BadSignature:
        return False
    return isinstance(accounts, list) and _fingerprint(submitted_email()) in accounts


def remember_device(response, email: str):
    """Mark this browser as known for the account (kept with the accounts it already knew)."""
    accounts: list[str] = []
    cookie = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if cookie:
        try:
            loaded = _devices().loads(cookie, max_age=current_app.config["KNOWN_DEVICE_MAX_AGE"])
            accounts = [a for a in loaded if isinstance(a, str)] if isinstance(loaded, list) else []
        except BadSignature:
            accounts = []
    fingerprint = _fingerprint(email.strip().lower())
    accounts = ([fingerprint] + [a for a in accounts if a != fingerprint])[:5]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE, _devices().dumps(accounts),
        max_age=current_app.config["KNOWN_DEVICE_MAX_AGE"], httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), samesite="Lax",
    )
    return response


# The second factor.

def _session_check(session_token: str) -> str:
    """A one-way digest of the account's session token: a password reset or a disabled account
    (which replace the token) ends a pending login too, and the cookie never holds the token."""
    return hashlib.sha256(f"pending-login:{session_token}".encode()).hexdigest()[:24]


def start_pending_login(user_id: int, session_token: str) -> None:
    expires = int(time.time()) + current_app.config["PENDING_LOGIN_MAX_AGE"]
    session[PENDING_KEY] = {"ref": secrets.token_urlsafe(24), "user": user_id,
                            "expires": expires, "check": _session_check(session_token)}


def pending_matches(pending: dict, session_token: str) -> bool:
    return hmac.compare_digest(str(pending.get("check", "")), _session_check(session_token))


def pending_login() -> dict | None:
    """The pending login of this session, when it is whole and not expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if not isinstance(pending.get("expires"), int) or pending["expires"] < time.time():
        return None
    if not isinstance(pending.get("ref"), str):
        return None
    return pending


def drop_pending_login() -> None:
    session.pop(PENDING_KEY, None)
    session.pop("pending_next", None)


def pending_account() -> str:
    pending = pending_login()
    return f"totp-account:{pending['user'] if pending else '-'}"


def totp_account_limit() -> str:
    return current_app.config["TOTP_ACCOUNT_LIMIT"]


def count_wrong_code(pending: dict) -> int:
    """Count one wrong code against the pending login; the count so far. Kept in the limiter's
    store (shared by the workers), so replaying an older session cookie does not reset it."""
    return limiter.storage.incr(f"totp-pending:{pending['ref']}",
                                current_app.config["PENDING_LOGIN_MAX_AGE"])


def too_many_wrong_codes(pending: dict) -> bool:
    return (limiter.storage.get(f"totp-pending:{pending['ref']}")
            >= current_app.config["TOTP_PENDING_GUESSES"])
