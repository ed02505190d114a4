from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.core.extensions import db
from tests.support.webhooks import WebhookReceiver


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that keeps what is posted to it (``.received``) and
    answers with the status codes queued in ``.answers`` (200 when none are left)."""
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def certified(award, in_app):
    """A freshly awarded certificate: {"id", "number", "holder", "admin"}."""
    application_id = award()
    certificate_id, number, holder_id = in_app(lambda: db.session.execute(
        sa.select(Certificate.id, Certificate.number, Certificate.holder_id)
        .where(Certificate.application_id == application_id)).one())
    return {"id": certificate_id, "number": number, "holder_id": holder_id,
            "admin": award.admin}
