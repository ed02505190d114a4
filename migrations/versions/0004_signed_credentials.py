"""Signed credentials: issuer signing keys; per certificate the signed Open Badges 3.0
credential, its id, its place in the status lists, the email salt and the award date.

Revision ID: 5aaf48131a52
Revises: 5ce0b38a1936
Create Date: 2026-11-24 08:50:07.230729

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5aaf48131a52'
down_revision = '5ce0b38a1936'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_key_multibase', sa.String(length=64), nullable=False),
    sa.Column('private_key_file', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
    sa.UniqueConstraint('public_key_multibase', name=op.f('uq_signing_keys_public_key_multibase'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('credential', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_salt', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_credential_id'), ['credential_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_status_index'), ['status_index'])



def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificates_status_index'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_certificates_credential_id'), type_='unique')
        batch_op.drop_column('awarded_at')
        batch_op.drop_column('subject_salt')
        batch_op.drop_column('status_index')
        batch_op.drop_column('credential')
        batch_op.drop_column('credential_id')

    op.drop_table('signing_keys')
