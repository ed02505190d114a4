"""Fixtures of the certificate tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.users import register_consent
from certify.users.models import Branch, User

SEQUENCE = itertools.count(1)


@pytest.fixture
def holder(in_app, create_user, rubric_version):
    """holder(name, native=None, country="KZ", consents=True, **certificate) -> number."""

    def make(name, native=None, *, country="KZ", consents=True, person=None, track="professor",
             band=None, specialism=None, starts=-30, ends=400, revoked=False, suspended=False,
             private=False):
        person = person or create_user("candidate", branch=country, full_name=name)
        sequence = next(SEQUENCE)

        def work():
            user = db.session.get(User, person.id)
            today = utcnow().date()
            certificate = Certificate(
                number=f"UPME-{country}-2026-{sequence:06d}", track=track,
                branch=db.session.scalar(sa.select(Branch).where(Branch.code == country)),
                year=2026, sequence=sequence, holder=user, holder_name=name,
                holder_name_native=native, rubric_version_id=rubric_version,
                valid_from=today + timedelta(days=starts),
                valid_until=today + timedelta(days=ends), band=band, specialism=specialism,
                is_private=private,
                revoked_at=utcnow() if revoked else None,
                revocation_reason="misconduct" if revoked else None,
                suspended_at=utcnow() if suspended else None,
                suspension_reason="audit" if suspended else None)
            db.session.add(certificate)
            if consents and register_consent.consent_of(user) is None:
                register_consent.give_consent(user, "en")
            return certificate.number

        return in_app(work)

    return make


@pytest.fixture
def numbers(award, in_app):
    """The numbers of two certificates, one of each branch, in the order they were issued."""
    award()
    award(branch="RU")
    return in_app(lambda: list(db.session.scalars(
        sa.select(Certificate.number).order_by(Certificate.id))))
