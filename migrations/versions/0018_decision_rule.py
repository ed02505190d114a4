"""Decision rule that binds: the rubric version's floor level (every criterion's panel score
must reach it for an award), default 2 for every existing version; decisions that award
against the engine's recommendation (override, confirmed by a second administrator); the
award band decided with an award, and printed on its certificate.

Revision ID: e14a0018dec
Revises: e14a0019integ (0017_audit_checkpoints)
Create Date: 2026-11-28 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e14a0018dec'
down_revision = 'e14a0019integ'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('floor_level', sa.Integer(), server_default='2',
                                      nullable=False))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('override', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('band', sa.String(length=32), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('band', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('band')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('band')
        batch_op.drop_column('override')
    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.drop_column('floor_level')
