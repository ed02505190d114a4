"""Structured interview: a rubric version's interview protocol (the criteria probed and the
questions on each), the interview's finding per probed criterion, and the interview as it
stood on the decision.

Revision ID: interview0032
Revises: elists0025 (0031_list_indexes)
Create Date: 2026-11-29 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'interview0032'
down_revision = 'elists0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview', sa.JSON(), server_default=sa.text("'{}'"),
                                      nullable=False))
    op.create_table('interview_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("outcome IN ('confirmed', 'partly_confirmed', 'not_confirmed')", name=op.f('ck_interview_findings_known_outcome')),
    sa.CheckConstraint("outcome = 'confirmed' OR length(note) > 0", name=op.f('ck_interview_findings_note_if_doubt')),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'], name=op.f('fk_interview_findings_criterion_id_rubric_criteria')),
    sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], name=op.f('fk_interview_findings_interview_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_findings')),
    sa.UniqueConstraint('interview_id', 'criterion_id', name=op.f('uq_interview_findings_interview_id_criterion_id'))
    )
    with op.batch_alter_table('interview_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_findings_interview_id'), ['interview_id'], unique=False)
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('interview')
    op.drop_table('interview_findings')
    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.drop_column('interview')
