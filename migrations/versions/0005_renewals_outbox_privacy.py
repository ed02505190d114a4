"""Renewal requests and links between renewed certificates, the notification outbox, and
private certificates.

Revision ID: ec3a560d7989
Revises: 5aaf48131a52
Create Date: 2026-11-24 09:04:31.702090

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ec3a560d7989'
down_revision = '5aaf48131a52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('dedup_key', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_notifications_dedup_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('renewal_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('cpd_hours', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('evidence_url', sa.String(length=500), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('new_certificate_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name=op.f('ck_renewal_requests_decided_dated')),
    sa.CheckConstraint("state IN ('pending', 'approved', 'refused')", name=op.f('ck_renewal_requests_known_state')),
    sa.CheckConstraint('cpd_hours >= 0', name=op.f('ck_renewal_requests_cpd_hours_not_negative')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_renewal_requests_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_renewal_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['new_certificate_id'], ['certificates.id'], name=op.f('fk_renewal_requests_new_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_requests'))
    )
    with op.batch_alter_table('renewal_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_requests_certificate_id'), ['certificate_id'], unique=False)

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewed_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_private', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_renewed_from_id'), ['renewed_from_id'])
        batch_op.create_foreign_key(batch_op.f('fk_certificates_renewed_from_id_certificates'), 'certificates', ['renewed_from_id'], ['id'])

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('is_private', server_default=None)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_renewed_from_id_certificates'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_certificates_renewed_from_id'), type_='unique')
        batch_op.drop_column('is_private')
        batch_op.drop_column('renewed_from_id')

    with op.batch_alter_table('renewal_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_requests_certificate_id'))

    op.drop_table('renewal_requests')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_sent_at'))

    op.drop_table('notifications')
