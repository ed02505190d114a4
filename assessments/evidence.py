"""Evidence attached to an application: files checked by content and stored outside the web
root under random names, and links. Reviewers record whether each piece checks out."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from assessments.models import Application, Evidence, EvidenceCheck, Review
from assessments.states import ApplicationState, EvidenceKind
from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.uploads import UploadRefused, check, safe_name
from rubrics.models import Criterion


def upload_directory() -> Path:
    configured = current_app.config.get("UPLOAD_DIR")
    directory = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def stored_path(evidence: Evidence) -> Path:
    return upload_directory() / evidence.stored_name


# Files follow the transaction: a file written for a row that is rolled back is removed, and a
# removed row's file goes only once the removal is committed. Nothing submitted is lost and no
# file is left without its row when a request fails halfway.
WRITTEN = "certify_evidence_written"
TO_DELETE = "certify_evidence_to_delete"


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


def _require_draft(application: Application) -> None:
    if application.state != ApplicationState.draft:
        raise DomainError(_("This application is submitted and can no longer be changed."))


def _title(title: str | None, fallback: str) -> str:
    return safe_name(title)[:200] if title and title.strip() else fallback


def add_file(application: Application, criterion: Criterion, data: bytes, filename: str,
             title: str | None, *, by) -> Evidence:
    _require_draft(application)
    config = current_app.config
    try:
        accepted = check(data, filename, max_bytes=config["MAX_FILE_BYTES"])
    except UploadRefused as refused:
        raise DomainError(_refusals()[refused.reason]) from refused
    used = sum(e.size for e in application.evidence)
    if used + len(data) > config["MAX_APPLICATION_BYTES"]:
        raise DomainError(_("Files of one application may total at most %(size)d MB.",
                            size=config["MAX_APPLICATION_BYTES"] // (1024 * 1024)))
    stored_name = secrets.token_hex(24)
    path = upload_directory() / stored_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    db.session.info.setdefault(WRITTEN, []).append(path)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    evidence = Evidence(
        application=application, criterion=criterion, kind=EvidenceKind.file,
        title=_title(title, accepted.display_name), stored_name=stored_name,
        content_type=accepted.content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record("evidence.add_file", evidence, actor=by, application=application.id,
                 size=len(data), sha256=evidence.sha256)
    return evidence


def add_link(application: Application, criterion: Criterion, url: str, title: str | None, *,
             by) -> Evidence:
    _require_draft(application)
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise DomainError(_("A link must be a full http:// or https:// address."))
    evidence = Evidence(application=application, criterion=criterion, kind=EvidenceKind.link,
                        title=_title(title, parts.netloc), url=url)
    db.session.add(evidence)
    db.session.flush()
    audit.record("evidence.add_link", evidence, actor=by, application=application.id)
    return evidence


def attach(application: Application, criterion: Criterion, *, upload: tuple[bytes, str] | None,
           url: str | None, title: str | None, by) -> Evidence:
    """A file (``upload`` = its bytes and name) when one was chosen, else a link."""
    if upload is not None:
        data, filename = upload
        return add_file(application, criterion, data, filename, title, by=by)
    if url:
        return add_link(application, criterion, url, title, by=by)
    raise DomainError(_("Choose a file or give a link."))


def remove(evidence: Evidence, *, by) -> None:
    _require_draft(evidence.application)
    audit.record("evidence.remove", evidence, actor=by, application=evidence.application_id)
    path = stored_path(evidence) if evidence.stored_name else None
    db.session.delete(evidence)
    db.session.flush()
    if path is not None:
        db.session.info.setdefault(TO_DELETE, []).append(path)


def record_check(review: Review, evidence: Evidence, verified: bool, *, by) -> None:
    if evidence.application_id != review.application_id:
        raise DomainError(_("This evidence belongs to another application."))
    existing = next((c for c in review.evidence_checks if c.evidence_id == evidence.id), None)
    if existing is None:
        review.evidence_checks.append(EvidenceCheck(evidence_id=evidence.id, verified=verified))
    else:
        existing.verified = verified
    db.session.flush()
    audit.record("evidence.check", review, actor=by, evidence=evidence.id, verified=verified)


def missing_required(application: Application) -> list[Criterion]:
    """Criteria that require evidence and have none yet."""
    return [c for c in application.competition.rubric_version.criteria
            if c.evidence_required and not application.evidence_for(c)]
