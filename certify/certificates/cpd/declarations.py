"""The annual declaration of every holder in force (CPD kept up, code of conduct accepted) and
the reminders for those who have not made it yet."""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.certificates.cpd.models import CpdDeclaration
from certify.certificates.models import Certificate
from certify.core import audit, outbox
from certify.core.db_types import utcnow
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.urls import absolute_url
from certify.users.models import User


def declaration_of(user, year: int) -> CpdDeclaration | None:
    return db.session.scalar(sa.select(CpdDeclaration).where(
        CpdDeclaration.holder_id == user.id, CpdDeclaration.year == year))


def declare(user, *, cpd_kept: bool, conduct_accepted: bool) -> CpdDeclaration:
    """This year's declaration, once."""
    year = utcnow().year
    if not (cpd_kept and conduct_accepted):
        raise DomainError(_("Tick both boxes to declare."))
    if declaration_of(user, year) is not None:
        raise DomainError(_("You have already declared for %(year)d.", year=year))
    declaration = CpdDeclaration(holder_id=user.id, year=year, cpd_kept=True,
                                 conduct_accepted=True)
    db.session.add(declaration)
    db.session.flush()
    audit.record("cpd.declare", declaration, actor=user, year=year)
    return declaration


def holders_in_force(today) -> sa.Select:
    """The ids of people holding a certificate in force today."""
    return (sa.select(Certificate.holder_id).distinct()
            .where(Certificate.revoked_at.is_(None), Certificate.suspended_at.is_(None),
                   Certificate.valid_from <= today, Certificate.valid_until >= today))


def _reminder(user: User, year: int) -> tuple[str, str]:
    subject = _("Your annual CPD declaration for %(year)d", year=year)
    body = _("Dear %(name)s,\n\nas a certificate holder, please confirm for %(year)d that you "
             "have kept up your continuing professional development and accept the code of "
             "conduct:\n%(url)s\n", name=user.full_name, year=year,
             url=absolute_url("certificates.cpd_log"))
    return subject, body


def queue_declaration_reminders(year: int | None = None) -> int:
    """One reminder per holder in force without this year's declaration; queued once,
    however often this runs (the outbox's key)."""
    today = utcnow().date()
    year = year or today.year
    declared = sa.select(CpdDeclaration.holder_id).where(CpdDeclaration.year == year)
    people = db.session.scalars(sa.select(User).where(
        User.id.in_(holders_in_force(today)), User.id.not_in(declared)).order_by(User.id))
    return sum(1 for user in people
               if outbox.queue(user, "cpd-declaration", f"cpd-declaration:{year}:{user.id}",
                               partial(_reminder, user, year)))
