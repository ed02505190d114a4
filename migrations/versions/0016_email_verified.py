"""When the owner of an account's email address proved it; existing accounts count as proven.

Revision ID: cb8918567cb3
Revises: c974cba2692e
Create Date: 2026-11-24 11:43:02.863479

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cb8918567cb3'
down_revision = 'c974cba2692e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts from before confirmation existed keep working: they count as confirmed.
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
