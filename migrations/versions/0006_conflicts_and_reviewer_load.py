"""Declared conflicts of interest, and a per-reviewer maximum per competition.

Revision ID: 1cc1b8268020
Revises: ec3a560d7989
Create Date: 2026-11-24 09:08:10.249089

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1cc1b8268020'
down_revision = 'ec3a560d7989'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_conflicts_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_conflicts_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts')),
    sa.UniqueConstraint('reviewer_id', 'application_id', name=op.f('uq_conflicts_reviewer_id_application_id'))
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflicts_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflicts_reviewer_id'), ['reviewer_id'], unique=False)

    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_reviews_per_reviewer', sa.Integer(), nullable=False,
                                      server_default=sa.text('8')))
        batch_op.create_check_constraint('max_reviews_positive', 'max_reviews_per_reviewer >= 1')

    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.alter_column('max_reviews_per_reviewer', server_default=None)



def downgrade():
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_constraint('max_reviews_positive', type_='check')
        batch_op.drop_column('max_reviews_per_reviewer')

    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflicts_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_conflicts_application_id'))

    op.drop_table('conflicts')
