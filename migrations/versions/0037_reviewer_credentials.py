"""Reviewers' credentials: a signed credential of a reviewer's work in a closed competition
(issue 19), with its place in the status lists.

Revision ID: revcred0037
Revises: referees0036 (0036_referees)
Create Date: 2026-11-29 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'revcred0037'
down_revision = 'referees0036'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reviewer_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('competition_title', sa.JSON(), nullable=False),
    sa.Column('reviewer_name', sa.String(length=200), nullable=False),
    sa.Column('files_reviewed', sa.Integer(), nullable=False),
    sa.Column('reviews_on_time', sa.Integer(), nullable=False),
    sa.Column('calibration_completed', sa.Boolean(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=True),
    sa.Column('subject_salt', sa.String(length=64), nullable=False),
    sa.Column('credential', sa.JSON(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspension_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('files_reviewed >= 1',
                       name=op.f('ck_reviewer_credentials_files_reviewed_positive')),
    sa.CheckConstraint('reviews_on_time >= 0 AND reviews_on_time <= files_reviewed',
                       name=op.f('ck_reviewer_credentials_reviews_on_time_within_files')),
    sa.CheckConstraint('status_index >= 0',
                       name=op.f('ck_reviewer_credentials_status_index_not_negative')),
    sa.CheckConstraint('(revoked_at IS NULL) = (revocation_reason IS NULL)',
                       name=op.f('ck_reviewer_credentials_revocation_has_reason')),
    sa.CheckConstraint('(suspended_at IS NULL) = (suspension_reason IS NULL)',
                       name=op.f('ck_reviewer_credentials_suspension_has_reason')),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'],
                            name=op.f('fk_reviewer_credentials_competition_id_competitions')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                            name=op.f('fk_reviewer_credentials_issued_by_id_users')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'],
                            name=op.f('fk_reviewer_credentials_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewer_credentials')),
    sa.UniqueConstraint('competition_id', 'reviewer_id',
                        name=op.f('uq_reviewer_credentials_competition_id_reviewer_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_reviewer_credentials_public_id')),
    sa.UniqueConstraint('status_index', name=op.f('uq_reviewer_credentials_status_index'))
    )
    with op.batch_alter_table('reviewer_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_credentials_competition_id'),
                              ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewer_credentials_issued_at'), ['issued_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_reviewer_credentials_reviewer_id'), ['reviewer_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('reviewer_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_credentials_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_reviewer_credentials_issued_at'))
        batch_op.drop_index(batch_op.f('ix_reviewer_credentials_competition_id'))
    op.drop_table('reviewer_credentials')
