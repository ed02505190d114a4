"""Referees who vouch for specific claims of an application (issue 19; docs/referees.md):
the referee, the criteria they are asked about with their verdict, and the evidence linked.

Revision ID: referees0036
Revises: cpd0035 (0035_cpd_logbook)
Create Date: 2026-11-29 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'referees0036'
down_revision = 'cpd0035'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'referees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('relationship', sa.String(length=500), nullable=False),
        sa.Column('observed_teaching', sa.Boolean(), nullable=False),
        sa.Column('supervised_engineering', sa.Boolean(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('link_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminders_sent', sa.Integer(), server_default='0', nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('statement', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('email = lower(email)', name=op.f('ck_referees_email_lowercase')),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')",
                           name=op.f('ck_referees_known_language')),
        sa.CheckConstraint("state IN ('named', 'asked', 'answered')",
                           name=op.f('ck_referees_known_state')),
        sa.CheckConstraint("(state = 'named') = (token_hash IS NULL)",
                           name=op.f('ck_referees_asked_has_link')),
        sa.CheckConstraint("(state = 'answered') = (answered_at IS NOT NULL)",
                           name=op.f('ck_referees_answered_has_timestamp')),
        sa.CheckConstraint("state != 'answered' OR statement IS NOT NULL",
                           name=op.f('ck_referees_answered_has_statement')),
        sa.CheckConstraint('expires_at IS NULL OR expires_at > link_sent_at',
                           name=op.f('ck_referees_expires_after_sending')),
        sa.CheckConstraint('reminders_sent >= 0',
                           name=op.f('ck_referees_reminders_not_negative')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_referees_application_id_applications'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referees')),
        sa.UniqueConstraint('application_id', 'email',
                            name=op.f('uq_referees_application_id_email')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_referees_token_hash')),
    )
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referees_application_id'), ['application_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_referees_email'), ['email'], unique=False)
    op.create_table(
        'referee_claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referee_id', sa.Integer(), nullable=False),
        sa.Column('criterion_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=16), nullable=True),
        sa.CheckConstraint("verdict IS NULL OR verdict IN ('confirmed', 'disputed')",
                           name=op.f('ck_referee_claims_known_verdict')),
        sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'],
                                name=op.f('fk_referee_claims_criterion_id_rubric_criteria')),
        sa.ForeignKeyConstraint(['referee_id'], ['referees.id'],
                                name=op.f('fk_referee_claims_referee_id_referees'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referee_claims')),
        sa.UniqueConstraint('referee_id', 'criterion_id',
                            name=op.f('uq_referee_claims_referee_id_criterion_id')),
    )
    with op.batch_alter_table('referee_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referee_claims_referee_id'), ['referee_id'],
                              unique=False)
    op.create_table(
        'referee_evidence',
        sa.Column('referee_id', sa.Integer(), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'],
                                name=op.f('fk_referee_evidence_evidence_id_evidence'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['referee_id'], ['referees.id'],
                                name=op.f('fk_referee_evidence_referee_id_referees'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('referee_id', 'evidence_id', name=op.f('pk_referee_evidence')),
    )


def downgrade():
    op.drop_table('referee_evidence')
    with op.batch_alter_table('referee_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referee_claims_referee_id'))
    op.drop_table('referee_claims')
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referees_email'))
        batch_op.drop_index(batch_op.f('ix_referees_application_id'))
    op.drop_table('referees')
