"""Privacy consents: each person's consent to each version of the privacy notice.

Revision ID: h12privacy0024
Revises: h6cred0019 (0023_superseded_credentials)
Create Date: 2026-11-28 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h12privacy0024'
down_revision = 'h6cred0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('en', 'ru', 'kk')",
                       name=op.f('ck_privacy_consents_known_language')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_privacy_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consents')),
    sa.UniqueConstraint('user_id', 'version', name=op.f('uq_privacy_consents_user_id_version'))
    )
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_consents_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_consents_user_id'))
    op.drop_table('privacy_consents')
