"""Fixtures of the certificate tests."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.core.extensions import db


@pytest.fixture
def numbers(award, in_app):
    """The numbers of two certificates, one of each branch, in the order they were issued."""
    award()
    award(branch="RU")
    return in_app(lambda: list(db.session.scalars(
        sa.select(Certificate.number).order_by(Certificate.id))))
