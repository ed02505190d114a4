"""Where an uploaded import file waits between its preview and its confirmation.

The bytes are kept server-side, in the instance folder, under their SHA-256 (nothing of the
visitor's choosing names the file). The confirmation form carries only a ticket signed with the
app's key (itsdangerous, a salt of its own, as the mailbox's links): who uploaded, the file's
hash, its name and the digest of the previewed plan, valid for ``IMPORT_MAX_AGE`` seconds. A
ticket is honoured once: confirming claims the file by renaming it (only one of two racing
confirmations can), and the file is gone after a confirmation, so a replayed ticket is refused.
Files older than the ticket's age are removed at every upload."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from certify.core.errors import DomainError

IMPORT_MAX_AGE = 3600


@dataclass(frozen=True)
class Ticket:
    user_id: int
    file_hash: str
    filename: str
    digest: str


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="certify-people-import")


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keep(data: bytes, filename: str, digest: str, *, user_id: int) -> str:
    """Store the file until it is confirmed; the ticket the confirmation form carries."""
    folder = _folder()
    cutoff = time.time() - IMPORT_MAX_AGE
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    digest_of_file = file_hash(data)
    (folder / digest_of_file).write_bytes(data)
    return _serializer().dumps([user_id, digest_of_file, filename, digest])


def refused_message() -> str:
    return _("This import was confirmed already or has expired: upload the file again.")


def _refused() -> DomainError:
    return DomainError(refused_message())


def read_ticket(token: str, *, user_id: int) -> Ticket:
    try:
        payload = _serializer().loads(token or "", max_age=IMPORT_MAX_AGE)
    except BadSignature as error:  # SignatureExpired included
        raise _refused() from error
    ticket = Ticket(*payload)
    if ticket.user_id != user_id:
        raise _refused()
    return ticket


def claim(ticket: Ticket) -> tuple[bytes, Path]:
    """Take the ticket's file for this confirmation alone: its bytes, and where it now is (to
    give it back with ``release`` if the confirmation is refused)."""
    stored = _folder() / ticket.file_hash
    claimed = stored.with_name(f"{ticket.file_hash}.{secrets.token_hex(8)}.claimed")
    try:
        stored.rename(claimed)
    except FileNotFoundError as error:
        raise _refused() from error
    data = claimed.read_bytes()
    if file_hash(data) != ticket.file_hash:
        claimed.unlink(missing_ok=True)
        raise _refused()
    return data, claimed


def release(ticket: Ticket, claimed: Path) -> None:
    claimed.rename(claimed.with_name(ticket.file_hash))


def discard(claimed: Path) -> None:
    claimed.unlink(missing_ok=True)
