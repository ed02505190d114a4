"""Webhook signatures as https://www.standardwebhooks.com/ specifies them, with the standard
library's hmac (the scheme is one HMAC-SHA256; a library would add nothing we need to trust):
the secret is "whsec_" + base64 of random bytes; each request carries ``webhook-id`` (the
message, the same on every retry), ``webhook-timestamp`` (seconds, of this attempt) and
``webhook-signature`` "v1,<base64 HMAC-SHA256 of id.timestamp.body>". Bytes in, headers out:
no Flask, no database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # the standard's marker, not a secret  # noqa: S105  # nosec B105
SECRET_BYTES = 24  # 192 bits; the standard asks for 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(24)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }
