"""Invitations withdrawn, re-sent and reminded more than once; the specialism on certificates.

Revision ID: binvite0025
Revises: drubric0025 (0029_level_exemplars)
Create Date: 2026-11-28 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'binvite0025'
down_revision = 'drubric0025'
branch_labels = None
depends_on = None

TABLE = 'reviewer_invitations'


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_sent', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('link_sent_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reviewer_invitations_withdrawn_by_id_users'),
                                    'users', ['withdrawn_by_id'], ['id'])
    op.execute(f"UPDATE {TABLE} SET link_sent_at = COALESCE(reminded_at, created_at), "
               "reminders_sent = CASE WHEN reminded_at IS NULL THEN 0 ELSE 1 END")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column('link_sent_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_reviewer_invitations_known_state'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_reviewer_invitations_answered_has_timestamp'),
                                 type_='check')
        batch_op.create_check_constraint(
            'known_state', "state IN ('sent', 'accepted', 'declined', 'withdrawn')")
        batch_op.create_check_constraint(
            'answered_has_timestamp',
            "(state IN ('accepted', 'declined')) = (responded_at IS NOT NULL)")
        batch_op.create_check_constraint(
            'withdrawn_has_timestamp', "(state = 'withdrawn') = (withdrawn_at IS NOT NULL)")
        batch_op.create_check_constraint('reminders_not_negative', 'reminders_sent >= 0')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('specialism', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('specialism')
    # Withdrawn invitations cannot be told apart from waiting ones in the old schema.
    op.execute(f"DELETE FROM {TABLE} WHERE state = 'withdrawn'")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reviewer_invitations_reminders_not_negative'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_reviewer_invitations_withdrawn_has_timestamp'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_reviewer_invitations_answered_has_timestamp'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_reviewer_invitations_known_state'), type_='check')
        batch_op.create_check_constraint('known_state',
                                         "state IN ('sent', 'accepted', 'declined')")
        batch_op.create_check_constraint('answered_has_timestamp',
                                         "(state = 'sent') = (responded_at IS NULL)")
        batch_op.drop_constraint(batch_op.f('fk_reviewer_invitations_withdrawn_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('link_sent_at')
        batch_op.drop_column('reminders_sent')
