"""Change marks (issue 17): a random token the database replaces whenever a review's scoring
columns change, so the reviewer pool finds its kept severities with one primary-key read
instead of an aggregate over every scored review (10–15 ms a page at 100×; see
certify/core/change_marks.py). The triggers are written out here as they were on the day, so
this migration never changes with the code. The first mark is set here: it stands for the
reviews as they are.

Revision ID: marks0041
Revises: order0040 (0040_application_list_order)
Create Date: 2026-11-29 21:40:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'marks0041'
down_revision = 'order0040'
branch_labels = None
depends_on = None

MARK = "review scores"
COLUMNS = "application_id, reviewer_id, state, weighted_score"

POSTGRESQL = [
    """
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
""",
    f"CREATE CONSTRAINT TRIGGER reviews_change_mark "
    f"AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} ON reviews "
    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
    f"EXECUTE FUNCTION write_change_mark('{MARK}')",
    f"CREATE TRIGGER reviews_change_mark_truncate AFTER TRUNCATE ON reviews "
    f"FOR EACH STATEMENT EXECUTE FUNCTION write_change_mark('{MARK}')",
]
_TOKEN = "lower(hex(randomblob(16)))"
_WRITE = (f"UPDATE change_marks SET token = {_TOKEN} WHERE name = '{MARK}'; "
          f"INSERT INTO change_marks (name, token) SELECT '{MARK}', {_TOKEN} "
          f"WHERE NOT EXISTS (SELECT 1 FROM change_marks WHERE name = '{MARK}');")
SQLITE = [f"CREATE TRIGGER reviews_change_mark_{event.split()[0].lower()} AFTER {event} "
          f"ON reviews BEGIN {_WRITE} END"
          for event in ("INSERT", "DELETE", f"UPDATE OF {COLUMNS}")]


def upgrade():
    op.create_table(
        'change_marks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_change_marks')),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)
    op.execute(sa.text("INSERT INTO change_marks (name, token) VALUES (:name, :token)")
               .bindparams(name=MARK, token=secrets.token_hex(16)))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reviews_change_mark_truncate ON reviews")
        op.execute("DROP TRIGGER reviews_change_mark ON reviews")
        op.execute("DROP FUNCTION write_change_mark()")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER reviews_change_mark_{event}")
    op.drop_table('change_marks')
