"""The yearly random audit of CPD logs: a reproducible draw (the seed is kept and the draw is
in the audit log), outcomes recorded by staff not involved with the holder, and the
configured consequence (suspension) once a deadline has passed."""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from certify.certificates.cpd.declarations import holders_in_force
from certify.certificates.cpd.models import AuditOutcome, CpdAudit, CpdAuditDraw
from certify.certificates.models import Certificate
from certify.certificates.operations import suspend_certificate
from certify.core import audit
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db

# Whether a person took part in assessing a holder (their reviewer or decider): a higher layer
# (assessments) adds its check here, as certificates may not import it.
INVOLVEMENT_CHECKS: list[Callable[[int, int], bool]] = []


def involved(user_id: int, holder_id: int) -> bool:
    return user_id == holder_id or any(check(user_id, holder_id)
                                       for check in INVOLVEMENT_CHECKS)


def sample(population: list[int], rate: float, seed: int) -> list[int]:
    """ceil(rate × N) of the ids, drawn with ``seed``: the same ids and seed, the same sample
    (the ids are sorted first, so the order they come in does not matter)."""
    size = min(len(population), math.ceil(rate * len(population)))
    # Reproducible from its stored seed on purpose: no secret rides on it.
    generator = random.Random(seed)  # noqa: S311  # nosec B311
    return sorted(generator.sample(sorted(population), size))


def draw_audit(year: int, *, rate: float | None = None, seed: int | None = None) -> CpdAuditDraw:
    """The year's draw among holders in force today; a year is drawn once."""
    rate = current_app.config["CPD_AUDIT_RATE"] if rate is None else rate
    if not 0 < rate <= 1:
        raise DomainError(_("The rate must be more than 0 and at most 1."))
    if db.session.scalar(sa.select(CpdAuditDraw.id).where(CpdAuditDraw.year == year)):
        raise DomainError(_("The audit for %(year)d has already been drawn.", year=year))
    seed = secrets.randbelow(2**31) if seed is None else seed
    population = list(db.session.scalars(holders_in_force(utcnow().date())))
    chosen = sample(population, rate, seed)
    draw = CpdAuditDraw(year=year, rate=rate, seed=seed, population=len(population),
                        audits=[CpdAudit(holder_id=holder_id) for holder_id in chosen])
    db.session.add(draw)
    db.session.flush()
    audit.record("cpd.audit_draw", draw, year=year, rate=rate, seed=seed,
                 population=len(population), sampled=chosen)
    return draw


def record_outcome(item: CpdAudit, *, outcome: AuditOutcome, deadline: date | None,
                   comment: str, by) -> None:
    if involved(by.id, item.holder_id):
        raise DomainError(_("You took part in assessing this holder: another staff member "
                            "must audit their log."))
    if outcome != AuditOutcome.accepted and (deadline is None or deadline <= utcnow().date()):
        raise DomainError(_("Give a deadline after today."))
    if item.consequence_applied_at is not None:
        raise DomainError(_("The consequence has already been applied."))
    item.outcome, item.comment = outcome, comment.strip()
    item.deadline = None if outcome == AuditOutcome.accepted else deadline
    item.reviewed_by_id, item.reviewed_at = by.id, utcnow()
    db.session.flush()
    audit.record("cpd.audit_outcome", item, actor=by, outcome=str(outcome),
                 deadline=item.deadline.isoformat() if item.deadline else None)


def apply_consequences(today: date | None = None) -> int:
    """Suspend the certificates in force of holders whose audit outcome is one of
    CPD_AUDIT_SUSPEND_OUTCOMES once its deadline has passed; each audit once."""
    today = today or utcnow().date()
    outcomes = current_app.config["CPD_AUDIT_SUSPEND_OUTCOMES"]
    due = db.session.scalars(sa.select(CpdAudit).where(
        CpdAudit.outcome.in_(outcomes), CpdAudit.deadline < today,
        CpdAudit.consequence_applied_at.is_(None)).order_by(CpdAudit.id)).all()
    suspended = 0
    for item in due:
        certificates = db.session.scalars(sa.select(Certificate).where(
            Certificate.holder_id == item.holder_id, Certificate.valid_until >= today,
            Certificate.revoked_at.is_(None), Certificate.suspended_at.is_(None))).all()
        for certificate in certificates:
            suspend_certificate(certificate, by=None, reason=_(
                "CPD audit %(year)d: %(outcome)s by %(deadline)s.", year=item.draw.year,
                outcome=item.outcome.title, deadline=item.deadline.isoformat()))
            suspended += 1
        item.consequence_applied_at = utcnow()
    db.session.flush()
    return suspended
