"""Rubric levels: a short exemplar of evidence at each level, per language.

Revision ID: drubric0025
Revises: ccalib0025 (0028_calibration)
Create Date: 2026-11-28 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'drubric0025'
down_revision = 'ccalib0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rubric_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exemplar', sa.JSON(), server_default=sa.text("'{}'"),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('rubric_levels', schema=None) as batch_op:
        batch_op.drop_column('exemplar')
