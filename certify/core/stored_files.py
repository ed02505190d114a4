"""Uploaded files and links as evidence, for every package that keeps evidence (applications,
the CPD log): a file is checked by its content (``certify.core.uploads``) and written outside
the web root under a random name; a link must be a full http(s) address.

Files follow the transaction: a file written for a row that is rolled back is removed, and a
removed row's file goes only once the removal is committed. Nothing submitted is lost and no
file is left without its row when a request fails halfway."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from certify.core.db_types import UTCDateTime, utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.uploads import UploadRefused, check, safe_name

WRITTEN = "certify_evidence_written"
TO_DELETE = "certify_evidence_to_delete"


class StoredEvidenceColumns:
    """The columns of a piece of evidence kept as a file (under a random name, with its checked
    type, size and SHA-256) or as a link: an application's evidence and the CPD log's share
    them, with ``evidence_constraints()`` in their table arguments."""

    title: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def evidence_constraints() -> tuple[sa.CheckConstraint, ...]:
    """A file has its stored name, a link its address, and nothing is both."""
    return (
        sa.CheckConstraint("kind IN ('file', 'link')", name="known_kind"),
        sa.CheckConstraint("(kind = 'file') = (stored_name IS NOT NULL)", name="file_stored"),
        sa.CheckConstraint("(kind = 'link') = (url IS NOT NULL)", name="link_has_url"),
    )


def upload_directory() -> Path:
    configured = current_app.config.get("UPLOAD_DIR")
    directory = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


@sa.event.listens_for(Session, "after_commit")
def _files_after_commit(session: Session) -> None:
    session.info.pop(WRITTEN, None)
    for path in session.info.pop(TO_DELETE, []):
        path.unlink(missing_ok=True)


@sa.event.listens_for(Session, "after_rollback")
def _files_after_rollback(session: Session) -> None:
    session.info.pop(TO_DELETE, None)
    for path in session.info.pop(WRITTEN, []):
        path.unlink(missing_ok=True)


def _refusals() -> dict[str, str]:
    limit = current_app.config["MAX_FILE_BYTES"] // (1024 * 1024)
    return {
        "empty": _("The file is empty."),
        "too_large": _("A file may be at most %(size)d MB.", size=limit),
        "type": _("Only PDF, PNG, JPEG, DOCX and XLSX files are accepted, checked by their "
                  "content."),
        "extension": _("The file's name does not match its content: rename it with the right "
                       "extension."),
        "archive_too_large": _("This document expands to far more than its size: it is "
                               "refused."),
    }


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    content_type: str
    display_name: str
    size: int
    sha256: str


def check_file(data: bytes, filename: str):
    """The upload's verdict (``uploads.Accepted``), or ``DomainError`` saying why not."""
    try:
        return check(data, filename, max_bytes=current_app.config["MAX_FILE_BYTES"])
    except UploadRefused as refused:
        raise DomainError(_refusals()[refused.reason]) from refused


def store_file(data: bytes, accepted) -> StoredFile:
    """Write checked bytes under a new random name; removed again if the transaction fails."""
    stored_name = secrets.token_hex(24)
    path = upload_directory() / stored_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    db.session.info.setdefault(WRITTEN, []).append(path)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return StoredFile(stored_name, accepted.content_type, accepted.display_name, len(data),
                      hashlib.sha256(data).hexdigest())


def delete_after_commit(stored_name: str | None) -> None:
    if stored_name:
        db.session.info.setdefault(TO_DELETE, []).append(upload_directory() / stored_name)


def checked_link(url: str) -> tuple[str, str]:
    """(the address, its host) of a full http(s) link, or ``DomainError``."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise DomainError(_("A link must be a full http:// or https:// address."))
    return url, parts.netloc


def evidence_title(title: str | None, fallback: str) -> str:
    return safe_name(title)[:200] if title and title.strip() else fallback
