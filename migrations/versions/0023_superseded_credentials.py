"""Superseded credentials: a re-issued certificate's old credential keeps its status place
(its revocation bit set, so outside verifiers refuse it) and the new one gets its own.

Revision ID: h6cred0019
Revises: h9invite0019 (0022_reviewer_invitations)
Create Date: 2026-11-28 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h6cred0019'
down_revision = 'h9invite0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('superseded_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=64), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('status_index >= 0',
                       name=op.f('ck_superseded_credentials_status_index_not_negative')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                            name=op.f('fk_superseded_credentials_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_superseded_credentials')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_superseded_credentials_credential_id')),
    sa.UniqueConstraint('status_index', name=op.f('uq_superseded_credentials_status_index'))
    )
    with op.batch_alter_table('superseded_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_superseded_credentials_certificate_id'),
                              ['certificate_id'], unique=False)


def downgrade():
    with op.batch_alter_table('superseded_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_superseded_credentials_certificate_id'))
    op.drop_table('superseded_credentials')
