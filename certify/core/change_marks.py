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
  (deadlock). The first changed row of a transaction writes the token; the others find their
  transaction's id already on the mark and return. SQLite has one writer at a time: a plain
  row trigger.
- ``UPDATE OF`` the watched columns only: a draft's text saved every few seconds moves nothing.

Marks are derived state: the backup leaves them out and the restore's inserts set them again.
A mark that is missing (a table emptied by hand) reads as None and the caller falls back to
computing its fingerprint the slow way. Migration 0041 made the first mark (``docs/deployment.md``).
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
    # PostgreSQL: the transaction that wrote the token (its later rows skip the write).
    transaction_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)


@dataclass(frozen=True)
class Watch:
    mark: str  # the ChangeMark's name
    table: str
    columns: tuple[str, ...]  # an UPDATE setting any of these moves the mark

    @property
    def trigger(self) -> str:
        return f"{self.table}_change_mark"


WATCHES: list[Watch] = []

# The token written: 32 hex digits, random (see the module's docstring).
_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION write_change_mark() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM change_marks
               WHERE name = TG_ARGV[0] AND transaction_id = txid_current()) THEN
        RETURN NULL;
    END IF;
    INSERT INTO change_marks (name, token, transaction_id)
    VALUES (TG_ARGV[0], md5(random()::text || clock_timestamp()::text), txid_current())
    ON CONFLICT (name) DO UPDATE
        SET token = EXCLUDED.token, transaction_id = EXCLUDED.transaction_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def trigger_statements(watch: Watch, dialect: str) -> list[str]:
    """The DDL that keeps ``watch``'s mark (names and columns are ours, never input)."""
    columns = ", ".join(watch.columns)
    if dialect == "postgresql":
        return [_POSTGRESQL_FUNCTION,
                f"CREATE CONSTRAINT TRIGGER {watch.trigger} "
                f"AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {watch.table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION write_change_mark('{watch.mark}')"]
    # Names and columns are ours (``watch`` calls in the code), never input.
    write = (f"INSERT OR REPLACE INTO change_marks (name, token, transaction_id) "  # noqa: S608
             f"VALUES ('{watch.mark}', lower(hex(randomblob(16))), 0);")
    return [f"CREATE TRIGGER {watch.trigger}_{event.split()[0].lower()} AFTER {event} "
            f"ON {watch.table} BEGIN {write} END"
            for event in ("INSERT", "DELETE", f"UPDATE OF {columns}")]


def watch(mark: str, table: str, columns: tuple[str, ...]) -> None:
    """Keep a mark of ``table``: made with the schema by ``db.create_all`` (the tests'
    databases); a migration makes the same triggers on a real one."""
    WATCHES.append(Watch(mark, table, columns))


@sa.event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection: sa.Connection, **_kw) -> None:
    for each in WATCHES:
        for statement in trigger_statements(each, connection.dialect.name):
            connection.exec_driver_sql(statement)


def current_mark(mark: str) -> str | None:
    """The mark's token now (None when it has none: fall back to a full fingerprint)."""
    return db.session.scalar(sa.select(ChangeMark.token).where(ChangeMark.name == mark))
