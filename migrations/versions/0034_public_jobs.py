"""Background jobs without an account: a company's bulk verification, opened by a token whose
hash is kept (certify/core/jobs.py); the owner becomes optional, but one of the two is there.

Revision ID: cjobs0026
Revises: register0033 (0033_public_register)
Create Date: 2026-11-29 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cjobs0026'
down_revision = 'register0033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_background_jobs_token_hash'),
                                          ['token_hash'])
        batch_op.create_check_constraint('owner_or_token',
                                         'owner_id IS NOT NULL OR token_hash IS NOT NULL')


def downgrade():
    op.execute('DELETE FROM background_jobs WHERE owner_id IS NULL')
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_background_jobs_owner_or_token'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_background_jobs_token_hash'), type_='unique')
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('token_hash')
