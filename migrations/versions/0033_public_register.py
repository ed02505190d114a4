"""The public register (issue 19): holders' consent to be listed, the folded names it searches,
and indexes for its filters (country, band, specialism; branch, track and the dates have theirs).

Revision ID: register0033
Revises: interview0032 (0032_interview_protocol)
Create Date: 2026-11-29 00:30:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'register0033'
down_revision = 'interview0032'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_certificates_band', 'certificates', ['band']),
    ('ix_certificates_specialism', 'certificates', ['specialism']),
    ('ix_users_country', 'users', ['country']),
]


def _search_key(text):
    """certify.core.names.search_key as of this revision (a migration keeps its own copy)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def upgrade():
    op.create_table(
        'register_consents',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=20), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')",
                           name=op.f('ck_register_consents_known_language')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_register_consents_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_register_consents')),
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name_key', sa.String(length=401), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, holder_name, holder_name_native FROM certificates")).all()
    for certificate_id, name, native in rows:
        connection.execute(sa.text("UPDATE certificates SET holder_name_key = :key WHERE id = :id"),
                           {"key": _search_key(f"{name or ''} {native or ''}"),
                            "id": certificate_id})
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('holder_name_key', existing_type=sa.String(length=401),
                              nullable=False)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('holder_name_key')
    op.drop_table('register_consents')
