"""Erasure requests, and the time an account was erased.

Revision ID: erasure0025
Revises: i1jobs0026 (0026_background_jobs)
Create Date: 2026-11-28 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'erasure0025'
down_revision = 'i1jobs0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'approved', 'refused')",
                       name=op.f('ck_erasure_requests_known_state')),
    sa.CheckConstraint("language IN ('en', 'ru', 'kk')",
                       name=op.f('ck_erasure_requests_known_language')),
    sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)",
                       name=op.f('ck_erasure_requests_decided_has_timestamp')),
    sa.CheckConstraint("(state = 'refused') = (refusal_reason IS NOT NULL)",
                       name=op.f('ck_erasure_requests_refusal_has_reason')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                            name=op.f('fk_erasure_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_erasure_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_requests_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_requests_user_id'))
    op.drop_table('erasure_requests')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
