"""A competition's own eligibility text per language.

Revision ID: da75e27da015
Revises: 2c34cf792418
Create Date: 2026-11-24 09:34:05.977641

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'da75e27da015'
down_revision = '2c34cf792418'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_note', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.alter_column('eligibility_note', server_default=None)


def downgrade():
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('eligibility_note')

