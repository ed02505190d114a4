"""What a holder does with their CPD log (add, change, remove entries and their evidence),
and the log weighed against a certificate's rules. Flushes, never commits; a step refused
raises ``DomainError`` naming the field it concerns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from certify.certificates.cpd import rules
from certify.certificates.cpd.categories import categories_for, rule_for
from certify.certificates.cpd.models import CpdEntry, CpdEvidence
from certify.certificates.models import Certificate
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError, Problem
from certify.core.extensions import db
from certify.core.stored_files import (
    check_file,
    checked_link,
    delete_after_commit,
    evidence_title,
    store_file,
)


@dataclass
class EntryInput:
    """An entry as typed; ``upload`` (bytes, file name) and ``url`` each add evidence."""

    title: str
    started_on: date
    ended_on: date
    hours: float
    category: str
    plan: str = ""
    record: str = ""
    reflect: str = ""
    evaluate: str = ""
    upload: tuple[bytes, str] | None = None
    url: str | None = None
    evidence_title: str | None = None
    fields: tuple[str, ...] = field(default=("title", "started_on", "ended_on", "hours",
                                             "category", "plan", "record", "reflect",
                                             "evaluate"), repr=False)


def holder_certificates(user) -> list[Certificate]:
    """The certificates the log serves: the person's, but not revoked ones."""
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.holder_id == user.id,
                                     Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def holder_categories(user) -> list[str]:
    return categories_for(sorted({c.track.value for c in holder_certificates(user)}))


def problems_of(data: EntryInput, categories: list[str], today: date) -> list[Problem]:
    """Why an entry cannot be kept as typed (none: it can)."""
    problems = []
    limit = current_app.config["CPD_MAX_ENTRY_HOURS"]
    if not data.title.strip():
        problems.append(Problem(_("Give the activity a title."), "title"))
    if data.hours is None or not math.isfinite(data.hours) or data.hours <= 0:
        problems.append(Problem(_("Hours must be more than zero."), "hours"))
    elif data.hours > limit:
        problems.append(Problem(_("One entry may count at most %(hours)d hours.", hours=limit),
                                "hours"))
    if data.ended_on < data.started_on:
        problems.append(Problem(_("The activity cannot end before it starts."), "ended_on"))
    elif data.hours and data.hours > 24 * ((data.ended_on - data.started_on).days + 1):
        problems.append(Problem(_("More hours than the days of the activity hold."), "hours"))
    if data.ended_on > today or data.started_on > today:
        problems.append(Problem(_("CPD is recorded once done: the dates cannot be in the "
                                  "future."), "ended_on"))
    if data.category not in categories:
        problems.append(Problem(_("Choose a category."), "category"))
    return problems


def save_entry(entry: CpdEntry | None, data: EntryInput, *, by) -> CpdEntry:
    """A new entry (``entry`` None) or the changed one, with the evidence given with it."""
    problems = problems_of(data, holder_categories(by), utcnow().date())
    if problems:
        raise DomainError(*problems)
    if entry is None:
        entry = CpdEntry(holder_id=by.id)
        db.session.add(entry)
    for name in data.fields:
        value = getattr(data, name)
        setattr(entry, name, value.strip() if isinstance(value, str) else value)
    entry.hours = round(float(data.hours), 1)
    db.session.flush()
    if data.upload is not None:
        add_evidence(entry, upload=data.upload, url=None, title=data.evidence_title, by=by)
    if data.url:
        add_evidence(entry, upload=None, url=data.url, title=data.evidence_title, by=by)
    audit.record("cpd.save", entry, actor=by, hours=entry.hours, category=entry.category)
    return entry


def add_evidence(entry: CpdEntry, *, upload: tuple[bytes, str] | None, url: str | None,
                 title: str | None, by) -> CpdEvidence:
    """A file (checked by its content, as an application's) or else a link."""
    if upload is not None:
        stored = store_file(upload[0], check_file(*upload))
        item = CpdEvidence(entry=entry, kind="file", stored_name=stored.stored_name,
                           title=evidence_title(title, stored.display_name),
                           content_type=stored.content_type, size=stored.size,
                           sha256=stored.sha256)
    elif url:
        address, host = checked_link(url)
        item = CpdEvidence(entry=entry, kind="link", url=address,
                           title=evidence_title(title, host))
    else:
        raise DomainError(_("Choose a file or give a link."))
    db.session.add(item)
    db.session.flush()
    audit.record("cpd.add_evidence", entry, actor=by, evidence=item.id, kind=item.kind)
    return item


def remove_evidence(item: CpdEvidence, *, by) -> None:
    audit.record("cpd.remove_evidence", item.entry, actor=by, evidence=item.id)
    stored_name = item.stored_name
    db.session.delete(item)
    db.session.flush()
    delete_after_commit(stored_name)


def delete_entry(entry: CpdEntry, *, by) -> None:
    audit.record("cpd.delete", entry, actor=by, title=entry.title, hours=entry.hours)
    stored = [item.stored_name for item in entry.evidence]
    db.session.delete(entry)
    db.session.flush()
    for name in stored:
        delete_after_commit(name)


def log_frame(holder_id: int):
    """The holder's whole log as the frame ``rules.evaluate`` reads."""
    rows = db.session.execute(sa.select(CpdEntry.ended_on, CpdEntry.hours, CpdEntry.category)
                              .where(CpdEntry.holder_id == holder_id)).mappings()
    return rules.frame(dict(row) for row in rows)


def evaluation_for(certificate: Certificate, today: date | None = None) -> rules.Evaluation:
    """The certificate's track rule weighed against its holder's log, in the rule's window."""
    rule = rule_for(certificate.track.value)
    starts, ends = rules.rule_window(rule, today or utcnow().date(), certificate.valid_from,
                                     certificate.valid_until)
    return rules.evaluate(log_frame(certificate.holder_id), rule, starts, ends)


def entries_between(holder_id: int, starts: date, ends: date) -> list[CpdEntry]:
    return list(db.session.scalars(
        sa.select(CpdEntry).where(CpdEntry.holder_id == holder_id,
                                  CpdEntry.ended_on.between(starts, ends))
        .order_by(CpdEntry.ended_on.desc(), CpdEntry.id.desc())))
