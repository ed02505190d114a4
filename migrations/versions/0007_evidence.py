"""Evidence files and links per criterion of an application, and reviewers' checks of them.

Revision ID: bc5ae1db2e72
Revises: 1cc1b8268020
Create Date: 2026-11-24 09:12:52.367813

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bc5ae1db2e72'
down_revision = '1cc1b8268020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'file') = (stored_name IS NOT NULL)", name=op.f('ck_evidence_file_stored')),
    sa.CheckConstraint("(kind = 'link') = (url IS NOT NULL)", name=op.f('ck_evidence_link_has_url')),
    sa.CheckConstraint("kind IN ('file', 'link')", name=op.f('ck_evidence_known_kind')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_evidence_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'], name=op.f('fk_evidence_criterion_id_rubric_criteria')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_evidence_stored_name'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_application_id'), ['application_id'], unique=False)

    op.create_table('evidence_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_checks_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_evidence_checks_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_checks')),
    sa.UniqueConstraint('review_id', 'evidence_id', name=op.f('uq_evidence_checks_review_id_evidence_id'))
    )
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_checks_review_id'), ['review_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_checks_review_id'))

    op.drop_table('evidence_checks')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_application_id'))

    op.drop_table('evidence')
