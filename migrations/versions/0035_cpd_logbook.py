"""The CPD logbook (issue 19): holders' entries with evidence, the rules' figures kept with a
renewal request, the reviewer's brief re-assessment of the must-pass criteria, the annual
declarations, and the yearly random audit (its draws and outcomes).

Revision ID: cpd0035
Revises: cjobs0026 (0034_public_jobs)
Create Date: 2026-11-29 04:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'cpd0035'
down_revision = 'cjobs0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cpd_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=False),
        sa.Column('hours', sa.Double(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('plan', sa.Text(), nullable=False),
        sa.Column('record', sa.Text(), nullable=False),
        sa.Column('reflect', sa.Text(), nullable=False),
        sa.Column('evaluate', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('hours > 0 AND hours <= 1000', name=op.f('ck_cpd_entries_hours_in_range')),
        sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_cpd_entries_dates_ordered')),
        sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_cpd_entries_holder_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_entries')),
    )
    with op.batch_alter_table('cpd_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_entries_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_entries_ended_on'), ['ended_on'], unique=False)

    op.create_table(
        'cpd_evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=True),
        sa.Column('content_type', sa.String(length=120), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('url', sa.String(length=1000), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('file', 'link')", name=op.f('ck_cpd_evidence_known_kind')),
        sa.CheckConstraint("(kind = 'file') = (stored_name IS NOT NULL)", name=op.f('ck_cpd_evidence_file_stored')),
        sa.CheckConstraint("(kind = 'link') = (url IS NOT NULL)", name=op.f('ck_cpd_evidence_link_has_url')),
        sa.ForeignKeyConstraint(['entry_id'], ['cpd_entries.id'], name=op.f('fk_cpd_evidence_entry_id_cpd_entries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_evidence')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_cpd_evidence_stored_name')),
    )
    with op.batch_alter_table('cpd_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_evidence_entry_id'), ['entry_id'], unique=False)

    op.create_table(
        'renewal_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('criterion_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('level >= 0', name=op.f('ck_renewal_findings_level_not_negative')),
        sa.ForeignKeyConstraint(['request_id'], ['renewal_requests.id'], name=op.f('fk_renewal_findings_request_id_renewal_requests')),
        sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'], name=op.f('fk_renewal_findings_criterion_id_rubric_criteria')),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_renewal_findings_reviewer_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_findings')),
        sa.UniqueConstraint('request_id', 'criterion_id', name=op.f('uq_renewal_findings_request_id_criterion_id')),
    )
    with op.batch_alter_table('renewal_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_findings_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('renewal_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cpd_summary', sa.JSON(), nullable=True))

    op.create_table(
        'cpd_declarations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('cpd_kept', sa.Boolean(), nullable=False),
        sa.Column('conduct_accepted', sa.Boolean(), nullable=False),
        sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('cpd_kept AND conduct_accepted', name=op.f('ck_cpd_declarations_both_declared')),
        sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_cpd_declarations_holder_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_declarations')),
        sa.UniqueConstraint('holder_id', 'year', name=op.f('uq_cpd_declarations_holder_id_year')),
    )
    with op.batch_alter_table('cpd_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_declarations_holder_id'), ['holder_id'], unique=False)

    op.create_table(
        'cpd_audit_draws',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('rate', sa.Double(), nullable=False),
        sa.Column('seed', sa.BigInteger(), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('rate > 0 AND rate <= 1', name=op.f('ck_cpd_audit_draws_rate_in_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_audit_draws')),
        sa.UniqueConstraint('year', name=op.f('uq_cpd_audit_draws_year')),
    )
    op.create_table(
        'cpd_audits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draw_id', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('consequence_applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('(outcome IS NULL) = (reviewed_at IS NULL)', name=op.f('ck_cpd_audits_outcome_dated')),
        sa.CheckConstraint("outcome = 'accepted' OR outcome IS NULL OR deadline IS NOT NULL", name=op.f('ck_cpd_audits_deadline_unless_accepted')),
        sa.ForeignKeyConstraint(['draw_id'], ['cpd_audit_draws.id'], name=op.f('fk_cpd_audits_draw_id_cpd_audit_draws')),
        sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_cpd_audits_holder_id_users')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_cpd_audits_reviewed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_audits')),
        sa.UniqueConstraint('draw_id', 'holder_id', name=op.f('uq_cpd_audits_draw_id_holder_id')),
    )
    with op.batch_alter_table('cpd_audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_audits_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_audits_holder_id'), ['holder_id'], unique=False)


def downgrade():
    op.drop_table('cpd_audits')
    op.drop_table('cpd_audit_draws')
    op.drop_table('cpd_declarations')
    with op.batch_alter_table('renewal_requests', schema=None) as batch_op:
        batch_op.drop_column('cpd_summary')
    op.drop_table('renewal_findings')
    op.drop_table('cpd_evidence')
    op.drop_table('cpd_entries')
