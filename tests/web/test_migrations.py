"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from assessments.reviewers.severity import REVIEW_SCORES
from certify.core.audit import record, verify_chain
from certify.core.change_marks import WATCHES, trigger_statements
from certify.core.extensions import db
from certify.users.operations import seed_branches
from certify.web.app import create_app
from tests.support import TEST_DATABASE_URL


def _migrate_and_compare(url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
            branches = connection.execute(sa.text("SELECT code FROM branches ORDER BY code"))
            assert [row[0] for row in branches] == ["KZ", "RU"]
            languages = connection.execute(sa.text(
                "SELECT languages, code_fixed FROM branches WHERE code = 'KZ'")).one()
            assert (json.loads(languages[0]) if isinstance(languages[0], str)
                    else languages[0], bool(languages[1])) == (["en", "ru", "kk"], False)
        assert differences == [], f"models and migrations differ: {differences}"
        _audit_log_is_append_only()
        _change_marks_are_kept_as_the_code_keeps_them()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert sa.inspect(connection).get_table_names() == ["alembic_version"]
        db.engine.dispose()


def _audit_log_is_append_only() -> None:
    """The triggers of migration 0014 refuse to edit or delete an audit entry."""

    seed_branches()
    record("test.append", None, note="first")
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert verify_chain()[1] == []
    db.session.execute(sa.text("DELETE FROM branches WHERE code NOT IN ('KZ', 'RU')"))
    db.session.commit()


def _change_marks_are_kept_as_the_code_keeps_them() -> None:
    """Migration 0041 wrote its triggers out as they were on the day: they must be the ones
    ``db.create_all`` makes from ``certify.core.change_marks`` (the suite's databases), and it
    sets the first mark."""
    (watch,) = [w for w in WATCHES if w.mark == REVIEW_SCORES]
    expected = trigger_statements(watch, db.engine.dialect.name)
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            function = connection.scalar(sa.text(
                "SELECT prosrc FROM pg_proc WHERE proname = 'write_change_mark'"))
            triggers = [connection.scalar(sa.text(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = :name"),
                {"name": name}) for name in (watch.trigger, f"{watch.trigger}_truncate")]
            assert function.strip() == expected[0].split("$$")[1].strip()
            assert [t.replace(" ON public.", " ON ") for t in triggers] == expected[1:]
        else:
            stored = dict(connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'reviews'")).all())
            assert sorted(stored.values()) == sorted(expected)
        assert connection.scalar(sa.text("SELECT count(*) FROM change_marks "
                                         "WHERE name = :mark"), {"mark": REVIEW_SCORES}) == 1


def test_migrations_match_models_on_sqlite(tmp_path):
    _migrate_and_compare(f"sqlite:///{tmp_path / 'migrated.db'}")


@pytest.mark.postgres
def test_migrations_match_models_on_postgresql():
    name = f"certify_migrations_{uuid.uuid4().hex[:8]}"
    admin_engine = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(TEST_DATABASE_URL).set(database=name)
        _migrate_and_compare(url.render_as_string(hide_password=False))
    finally:
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
