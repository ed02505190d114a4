"""Evidence attached to an application: files checked by content and stored outside the web
root under random names, and links. Reviewers record whether each piece checks out."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from assessments.models import Application, Evidence, EvidenceCheck, Review
from assessments.states import ApplicationState, EvidenceKind
from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.stored_files import (  # noqa: F401 - TO_DELETE, upload_directory: re-exported
    TO_DELETE,
    check_file,
    checked_link,
    delete_after_commit,
    evidence_title,
    store_file,
    upload_directory,
)
from rubrics.models import Criterion


def stored_path(evidence: Evidence) -> Path:
    return upload_directory() / evidence.stored_name


def _require_draft(application: Application) -> None:
    if application.state != ApplicationState.draft:
        raise DomainError(_("This application is submitted and can no longer be changed."))


def add_file(application: Application, criterion: Criterion, data: bytes, filename: str,
             title: str | None, *, by) -> Evidence:
    _require_draft(application)
    config = current_app.config
    accepted = check_file(data, filename)
    used = sum(e.size for e in application.evidence)
    if used + len(data) > config["MAX_APPLICATION_BYTES"]:
        raise DomainError(_("Files of one application may total at most %(size)d MB.",
                            size=config["MAX_APPLICATION_BYTES"] // (1024 * 1024)))
    stored = store_file(data, accepted)
    evidence = Evidence(
        application=application, criterion=criterion, kind=EvidenceKind.file,
        title=evidence_title(title, stored.display_name), stored_name=stored.stored_name,
        content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record("evidence.add_file", evidence, actor=by, application=application.id,
                 size=len(data), sha256=evidence.sha256)
    return evidence


def add_link(application: Application, criterion: Criterion, url: str, title: str | None, *,
             by) -> Evidence:
    _require_draft(application)
    url, host = checked_link(url)
    evidence = Evidence(application=application, criterion=criterion, kind=EvidenceKind.link,
                        title=evidence_title(title, host), url=url)
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
    stored_name = evidence.stored_name
    db.session.delete(evidence)
    db.session.flush()
    delete_after_commit(stored_name)


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
