"""Change marks: a token the database itself replaces whenever chosen columns of a table
change, so a figure computed from the whole table can be kept under it and found again with
one primary-key read instead of an aggregate over the table (the reviewer pool's severities
rest on 60,000 scored reviews at 100×: 10–15 ms of every pool page, now one row).

- **Triggers**, not application hooks: bulk SQL, a restore and a hand edit in ``psql`` move the
  mark too, so a figure kept under it is never stale.
- **A random token**, not a counter: two databases (a restored copy, a staging one) sharing one
  cache never arrive at the same mark with different rows.
- **At commit on PostgreSQL** (a deferred constraint trigger): the mark's row is locked last in
  its transaction, so two writers can wait for each other only for a commit, never in a cycle
  (deadlock). The first changed row of a transaction writes the token; the others find it
  noted in a setting local to the transaction and return. TRUNCATE has a statement trigger of
  its own. SQLite has one writer at a time: plain row triggers.
- ``UPDATE OF`` the watched columns only: a draft's text saved every few seconds moves nothing.

Marks are derived state: the backup leaves them out and the restore's inserts set them again.
A mark that is missing (a table emptied by hand) reads as None and the caller falls back to
computing its fingerprint the slow way. What no trigger sees: writes with triggers switched
off (``session_replication_role = replica``, ``pg_restore --disable-triggers``); after such
work, ``DELETE FROM change_marks`` puts the callers back on their full fingerprints.
Migration 0041 made the first mark (``docs/deployment.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from certify.core.extensions import db


class ChangeMark(db.Model):
    __tablename__ = "change_marks"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


@dataclass(frozen=True)
class Watch:
    mark: str  # the ChangeMark's name
    table: str
    columns: tuple[str, ...]  # an UPDATE setting any of these moves the mark

    @property
    def trigger(self) -> str:
        return f"{self.table}_change_mark"


WATCHES: list[Watch] = []

# The token written: 32 hex digits, random (see the module's docstring). Once per mark and
# transaction: the marks written are noted in a setting local to the transaction (undone with
# it, and with a savepoint rolled back), so the transaction's later rows return at once.
_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION write_change_mark() RETURNS trigger AS $$
DECLARE
    written text := coalesce(current_setting('certify.change_marks_written', true), '');
BEGIN
    IF position('|' || TG_ARGV[0] || '|' IN written) > 0 THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('certify.change_marks_written', written || '|' || TG_ARGV[0] || '|',
                       true);
    INSERT INTO change_marks (name, token)
    VALUES (TG_ARGV[0], md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def trigger_statements(watch: Watch, dialect: str) -> list[str]:
    """The DDL that keeps ``watch``'s mark (names and columns are ours, never input).

    PostgreSQL: the row trigger at commit, and one for TRUNCATE (which fires no row trigger;
    statement triggers cannot be deferred, but TRUNCATE locks the whole table anyway).
    SQLite: an UPDATE, then an INSERT only where none is: neither can meet a uniqueness
    conflict, which an ``INSERT OR IGNORE`` on the table would have turned into skipping the
    mark (SQLite applies the outer statement's conflict policy to its triggers)."""
    columns = ", ".join(watch.columns)
    if dialect == "postgresql":
        return [_POSTGRESQL_FUNCTION,
                f"CREATE CONSTRAINT TRIGGER {watch.trigger} "
                f"AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {watch.table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION write_change_mark('{watch.mark}')",
                f"CREATE TRIGGER {watch.trigger}_truncate AFTER TRUNCATE ON {watch.table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION write_change_mark('{watch.mark}')"]
    mark, random_hex = watch.mark, "lower(hex(randomblob(16)))"
    write = (
        f"UPDATE change_marks SET token = {random_hex} WHERE name = '{mark}'; "  # noqa: S608  # nosec B608
        f"INSERT INTO change_marks (name, token) SELECT '{mark}', {random_hex} "
        f"WHERE NOT EXISTS (SELECT 1 FROM change_marks WHERE name = '{mark}');")
    return [f"CREATE TRIGGER {watch.trigger}_{event.split()[0].lower()} AFTER {event} "
            f"ON {watch.table} BEGIN {write} END"
            for event in ("INSERT", "DELETE", f"UPDATE OF {columns}")]


def watch(mark: str, table: str, columns: tuple[str, ...]) -> None:
    """Keep a mark of ``table``: made with the schema by ``db.create_all`` (the tests'
    databases); a migration makes the same triggers on a real one."""
    WATCHES.append(Watch(mark, table, columns))


@sa.event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection: sa.Connection, tables=(), **_kw) -> None:
    """With the watched table, when ``create_all`` makes it (not again on a second call)."""
    created = {table.name for table in tables}
    for each in WATCHES:
        if each.table in created:
            for statement in trigger_statements(each, connection.dialect.name):
                connection.exec_driver_sql(statement)


def current_mark(mark: str) -> str | None:
    """The mark's token now (None when it has none: fall back to a full fingerprint)."""
    return db.session.scalar(sa.select(ChangeMark.token).where(ChangeMark.name == mark))
