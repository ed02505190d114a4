"""Reviewer calibration (issue 18): exemplars with reference levels, each reviewer's
calibration per competition, and the competition's setting (off for existing competitions).

Revision ID: ccalib0025
Revises: erasure0025 (0027_erasure_requests)
Create Date: 2026-11-28 20:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'ccalib0025'
down_revision = 'erasure0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exemplars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_exemplars_created_by_id_users')),
    sa.ForeignKeyConstraint(['rubric_version_id'], ['rubric_versions.id'],
                            name=op.f('fk_exemplars_rubric_version_id_rubric_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemplars'))
    )
    with op.batch_alter_table('exemplars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemplars_rubric_version_id'),
                              ['rubric_version_id'], unique=False)

    op.create_table('exemplar_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exemplar_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.CheckConstraint('level IS NULL OR level >= 0',
                       name=op.f('ck_exemplar_answers_level_not_negative')),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'],
                            name=op.f('fk_exemplar_answers_criterion_id_rubric_criteria')),
    sa.ForeignKeyConstraint(['exemplar_id'], ['exemplars.id'],
                            name=op.f('fk_exemplar_answers_exemplar_id_exemplars'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemplar_answers')),
    sa.UniqueConstraint('exemplar_id', 'criterion_id',
                        name=op.f('uq_exemplar_answers_exemplar_id_criterion_id'))
    )
    with op.batch_alter_table('exemplar_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemplar_answers_exemplar_id'),
                              ['exemplar_id'], unique=False)

    op.create_table('exemplar_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exemplar_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('scorer_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level >= 0', name=op.f('ck_exemplar_references_level_not_negative')),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'],
                            name=op.f('fk_exemplar_references_criterion_id_rubric_criteria')),
    sa.ForeignKeyConstraint(['exemplar_id'], ['exemplars.id'],
                            name=op.f('fk_exemplar_references_exemplar_id_exemplars'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scorer_id'], ['users.id'],
                            name=op.f('fk_exemplar_references_scorer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemplar_references')),
    sa.UniqueConstraint('exemplar_id', 'criterion_id', 'scorer_id',
                        name=op.f('uq_exemplar_references_exemplar_id_criterion_id_scorer_id'))
    )
    with op.batch_alter_table('exemplar_references', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemplar_references_exemplar_id'),
                              ['exemplar_id'], unique=False)

    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_calibration', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('calibration_exemplar_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_competitions_calibration_exemplar_id_exemplars'),
            'exemplars', ['calibration_exemplar_id'], ['id'])

    op.create_table('calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('exemplar_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mean_abs_difference', sa.Double(), nullable=False),
    sa.CheckConstraint('mean_abs_difference >= 0',
                       name=op.f('ck_calibrations_difference_not_negative')),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'],
                            name=op.f('fk_calibrations_competition_id_competitions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exemplar_id'], ['exemplars.id'],
                            name=op.f('fk_calibrations_exemplar_id_exemplars')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'],
                            name=op.f('fk_calibrations_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations')),
    sa.UniqueConstraint('competition_id', 'reviewer_id',
                        name=op.f('uq_calibrations_competition_id_reviewer_id'))
    )
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibrations_competition_id'), ['competition_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_calibrations_reviewer_id'), ['reviewer_id'],
                              unique=False)

    op.create_table('calibration_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calibration_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reference', sa.Double(), nullable=False),
    sa.CheckConstraint('level >= 0', name=op.f('ck_calibration_scores_level_not_negative')),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibrations.id'],
                            name=op.f('fk_calibration_scores_calibration_id_calibrations'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'],
                            name=op.f('fk_calibration_scores_criterion_id_rubric_criteria')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_scores')),
    sa.UniqueConstraint('calibration_id', 'criterion_id',
                        name=op.f('uq_calibration_scores_calibration_id_criterion_id'))
    )
    with op.batch_alter_table('calibration_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_scores_calibration_id'),
                              ['calibration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('calibration_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_scores_calibration_id'))
    op.drop_table('calibration_scores')
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibrations_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_calibrations_competition_id'))
    op.drop_table('calibrations')
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_competitions_calibration_exemplar_id_exemplars'),
            type_='foreignkey')
        batch_op.drop_column('calibration_exemplar_id')
        batch_op.drop_column('requires_calibration')
    with op.batch_alter_table('exemplar_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemplar_references_exemplar_id'))
    op.drop_table('exemplar_references')
    with op.batch_alter_table('exemplar_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemplar_answers_exemplar_id'))
    op.drop_table('exemplar_answers')
    with op.batch_alter_table('exemplars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemplars_rubric_version_id'))
    op.drop_table('exemplars')
