"""Reviewer invitations and the reviewer pool (issue 20): reviewers' profiles (specialisms,
review languages, the most open reviews they accept), invitations by e-mail with a hashed,
single-use, expiring token, and an application's specialism (mail to an address with no
account came with the complaints, 0020).

Revision ID: h9invite0019
Revises: h8branch0019 (0021_branches_as_data)
Create Date: 2026-11-28 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h9invite0019'
down_revision = 'h8branch0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reviewer_profiles',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('max_open_reviews', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('max_open_reviews IS NULL OR max_open_reviews >= 1',
                           name=op.f('ck_reviewer_profiles_max_open_reviews_positive')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_reviewer_profiles_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_reviewer_profiles')),
    )
    op.create_table(
        'reviewer_specialisms',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('specialism', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['reviewer_profiles.user_id'], ondelete='CASCADE',
                                name=op.f('fk_reviewer_specialisms_user_id_reviewer_profiles')),
        sa.PrimaryKeyConstraint('user_id', 'specialism', name=op.f('pk_reviewer_specialisms')),
    )
    with op.batch_alter_table('reviewer_specialisms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_specialisms_specialism'), ['specialism'],
                              unique=False)
    op.create_table(
        'reviewer_languages',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')",
                           name=op.f('ck_reviewer_languages_known_language')),
        sa.ForeignKeyConstraint(['user_id'], ['reviewer_profiles.user_id'], ondelete='CASCADE',
                                name=op.f('fk_reviewer_languages_user_id_reviewer_profiles')),
        sa.PrimaryKeyConstraint('user_id', 'language', name=op.f('pk_reviewer_languages')),
    )
    op.create_table(
        'reviewer_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=True),
        sa.Column('branch_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('email = lower(email)',
                           name=op.f('ck_reviewer_invitations_email_lowercase')),
        sa.CheckConstraint("language IN ('en', 'ru', 'kk')",
                           name=op.f('ck_reviewer_invitations_known_language')),
        sa.CheckConstraint("state IN ('sent', 'accepted', 'declined')",
                           name=op.f('ck_reviewer_invitations_known_state')),
        sa.CheckConstraint("(state = 'sent') = (responded_at IS NULL)",
                           name=op.f('ck_reviewer_invitations_answered_has_timestamp')),
        sa.CheckConstraint("(state = 'accepted') = (user_id IS NOT NULL)",
                           name=op.f('ck_reviewer_invitations_accepted_has_account')),
        sa.CheckConstraint('expires_at > created_at',
                           name=op.f('ck_reviewer_invitations_expires_after_sending')),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'],
                                name=op.f('fk_reviewer_invitations_branch_id_branches')),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'],
                                name=op.f('fk_reviewer_invitations_competition_id_competitions')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_reviewer_invitations_invited_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_reviewer_invitations_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewer_invitations')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_reviewer_invitations_token_hash')),
    )
    with op.batch_alter_table('reviewer_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_invitations_branch_id'), ['branch_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_reviewer_invitations_competition_id'),
                              ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewer_invitations_email'), ['email'],
                              unique=False)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('specialism', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('specialism')
    with op.batch_alter_table('reviewer_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_invitations_email'))
        batch_op.drop_index(batch_op.f('ix_reviewer_invitations_competition_id'))
        batch_op.drop_index(batch_op.f('ix_reviewer_invitations_branch_id'))
    op.drop_table('reviewer_invitations')
    op.drop_table('reviewer_languages')
    with op.batch_alter_table('reviewer_specialisms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_specialisms_specialism'))
    op.drop_table('reviewer_specialisms')
    op.drop_table('reviewer_profiles')
