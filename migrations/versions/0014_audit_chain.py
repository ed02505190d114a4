"""A hash chain over the audit log, and triggers that keep it append-only.

Existing entries are chained in id order with the same canonical form as certify.audit (kept
here as it was written, so this migration never changes with the code).

Revision ID: ad71016c26e6
Revises: da75e27da015
Create Date: 2026-11-24 09:39:56.368207

"""
import hashlib
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad71016c26e6'
down_revision = 'da75e27da015'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _hash(prev_hash, created_at, actor_id, action, object_type, object_id, data):
    canonical = json.dumps(
        [prev_hash, created_at.isoformat(), actor_id, action, object_type, object_id, data],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(
        timezone.utc)


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    events = sa.table(
        "audit_events", sa.column("id", sa.Integer), sa.column("created_at"),
        sa.column("actor_id", sa.Integer), sa.column("action", sa.String),
        sa.column("object_type", sa.String), sa.column("object_id", sa.Integer),
        sa.column("data", sa.JSON), sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    previous = GENESIS
    rows = connection.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for row in rows:
        digest = _hash(previous, _aware(row["created_at"]), row["actor_id"], row["action"],
                       row["object_type"], row["object_id"], row["data"] or {})
        connection.execute(events.update().where(events.c.id == row["id"])
                           .values(prev_hash=previous, hash=digest))
        previous = digest

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_hash'), ['hash'])

    if connection.dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{operation.lower()}
                BEFORE {operation} ON audit_events
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
            """)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
