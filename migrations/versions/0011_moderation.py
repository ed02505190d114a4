"""A second check of a random share of awards before they are final.

Revision ID: bb0d42a336ef
Revises: 33ca03d79253
Create Date: 2026-11-24 09:29:22.893034

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bb0d42a336ef'
down_revision = '33ca03d79253'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation', sa.String(length=16), nullable=False,
                                      server_default='none'))
        batch_op.add_column(sa.Column('moderated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('moderation_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_decisions_moderated_by_id_users'), 'users', ['moderated_by_id'], ['id'])
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.alter_column('moderation', server_default=None)
        batch_op.create_check_constraint('known_moderation',
                                         "moderation IN ('none', 'pending', 'confirmed')")


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('known_moderation', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_decisions_moderated_by_id_users'), type_='foreignkey')
        batch_op.drop_column('moderation_note')
        batch_op.drop_column('moderated_at')
        batch_op.drop_column('moderated_by_id')
        batch_op.drop_column('moderation')

