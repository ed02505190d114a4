"""Certificate numbers stay gapless and unique when many are issued at once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.extensions import db

pytestmark = pytest.mark.postgres


def _in_threads(app, count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                results.append(work(i))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test below
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_fifty_parallel_sequence_numbers_are_gapless(app):
    from certify.certificates.operations import next_sequence

    results, errors = _in_threads(app, 50, lambda i: next_sequence("UPME", "KZ", 2031))
    assert errors == []
    assert sorted(results) == list(range(1, 51))


def test_parallel_awards_get_unique_consecutive_numbers(app, create_user, create_competition,
                                                        workflow, in_app):
    from assessments import operations
    from assessments.models import Application, Outcome
    from certify.users.models import User

    admin = create_user("admin")
    competition_id = create_competition()
    application_ids = []
    for _ in range(12):
        application_id = workflow.submitted(competition_id, create_user("candidate"))
        for _ in range(2):
            workflow.review(workflow.assign(application_id, create_user("reviewer"), admin))
        application_ids.append(application_id)

    def award(i):
        operations.decide(db.session.get(Application, application_ids[i]), Outcome.award,
                          "Awarded in a parallel batch.", by=db.session.get(User, admin.id))
        return i

    results, errors = _in_threads(app, len(application_ids), award)
    assert errors == [] and len(results) == 12
    sequences = in_app(lambda: sorted(db.session.scalars(sa.select(Certificate.sequence))))
    assert sequences == list(range(1, 13))
    numbers = in_app(lambda: list(db.session.scalars(sa.select(Certificate.number))))
    assert len(set(numbers)) == 12
