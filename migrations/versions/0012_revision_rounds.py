"""Revise and resubmit: rounds of an application kept as they were, and the revision deadline.

Revision ID: 2c34cf792418
Revises: bb0d42a336ef
Create Date: 2026-11-24 09:31:36.864386

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2c34cf792418'
down_revision = 'bb0d42a336ef'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('application_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_rounds_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_application_rounds_closed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_rounds')),
    sa.UniqueConstraint('application_id', 'number', name=op.f('uq_application_rounds_application_id_number'))
    )
    with op.batch_alter_table('application_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_rounds_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))
        batch_op.add_column(sa.Column('resubmit_by', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.alter_column('round', server_default=None)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('resubmit_by')
        batch_op.drop_column('round')

    with op.batch_alter_table('application_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_rounds_application_id'))

    op.drop_table('application_rounds')
