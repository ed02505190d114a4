"""The administrator's eligibility check, and files returned to candidates with a message.

Revision ID: f03410a5a4b4
Revises: bc5ae1db2e72
Create Date: 2026-11-24 09:16:48.075423

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f03410a5a4b4'
down_revision = 'bc5ae1db2e72'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('eligibility_checked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('return_message', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_applications_eligibility_checked_by_id_users'), 'users', ['eligibility_checked_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_applications_eligibility_checked_by_id_users'), type_='foreignkey')
        batch_op.drop_column('return_message')
        batch_op.drop_column('returned_at')
        batch_op.drop_column('eligibility_checked_by_id')
        batch_op.drop_column('eligibility_checked_at')

