"""Decisions record the scoring engine version and a SHA-256 of the ratings they used.

Revision ID: 5ce0b38a1936
Revises: 54e96c520b22
Create Date: 2026-11-24 08:38:28.105170

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5ce0b38a1936'
down_revision = '54e96c520b22'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engine_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('ratings_hash', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('ratings_hash')
        batch_op.drop_column('engine_version')

