"""Signed confidentiality and impartiality declarations, one per staff member and competition
(ISO/IEC 17024 §4.3, §6.1–6.2), each with the version, language and SHA-256 of the text shown.

Revision ID: h1decl0019
Revises: e14a0018dec (0018_decision_rule)
Create Date: 2026-11-28 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h1decl0019'
down_revision = 'e14a0018dec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('impartiality_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text_version', sa.String(length=32), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('signed_name', sa.String(length=200), nullable=False),
    sa.Column('interests', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_impartiality_declarations_competition_id_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_impartiality_declarations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impartiality_declarations')),
    sa.UniqueConstraint('user_id', 'competition_id', name=op.f('uq_impartiality_declarations_user_id_competition_id'))
    )
    with op.batch_alter_table('impartiality_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_impartiality_declarations_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_impartiality_declarations_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('impartiality_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_impartiality_declarations_user_id'))
        batch_op.drop_index(batch_op.f('ix_impartiality_declarations_competition_id'))
    op.drop_table('impartiality_declarations')
