"""Complaints (ISO/IEC 17024 §9.9): complaints with their yearly receipt numbers, and mail to
a bare address (a complainant has no account): notifications name a user or an address.

Revision ID: h2compl0019
Revises: h1decl0019 (0019_impartiality_declarations)
Create Date: 2026-11-28 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h2compl0019'
down_revision = 'h1decl0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=254), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_notifications_one_recipient'), '(user_id IS NULL) != (address IS NULL)')

    op.create_table('complaint_sequences',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_complaint_sequences'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('competition_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('complainant_name', sa.String(length=200), nullable=False),
    sa.Column('complainant_email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('investigator_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("subject IN ('certificate', 'process')", name=op.f('ck_complaints_known_subject')),
    sa.CheckConstraint("state IN ('received', 'investigating', 'resolved')", name=op.f('ck_complaints_known_state')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('dismissed', 'upheld', 'suspended', 'withdrawn')", name=op.f('ck_complaints_known_outcome')),
    sa.CheckConstraint("(subject = 'certificate') = (certificate_id IS NOT NULL)", name=op.f('ck_complaints_certificate_named')),
    sa.CheckConstraint("state = 'received' OR investigator_id IS NOT NULL", name=op.f('ck_complaints_investigated_by_someone')),
    sa.CheckConstraint("(state = 'resolved') = (outcome IS NOT NULL AND resolved_at IS NOT NULL AND outcome_reason IS NOT NULL)", name=op.f('ck_complaints_resolved_with_reason')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_complaints_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_complaints_competition_id_competitions')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_complaints_branch_id_branches')),
    sa.ForeignKeyConstraint(['investigator_id'], ['users.id'], name=op.f('fk_complaints_investigator_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_complaints_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('number', name=op.f('uq_complaints_number')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_complaints_token_hash')),
    sa.UniqueConstraint('year', 'sequence', name=op.f('uq_complaints_year_sequence'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_branch_id'), ['branch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_branch_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_certificate_id'))
    op.drop_table('complaints')
    op.drop_table('complaint_sequences')
    # Mail to bare addresses has no account to go back to: it is dropped with the column.
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_one_recipient'), type_='check')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('address')
