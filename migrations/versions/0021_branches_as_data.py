"""Branches as data (issue 20): the agreement's date and reference, the languages a branch
offers, its public contact, and whether a certificate already carries its code (then the code
is fixed). The two branches the centre started with get their languages; a branch whose code
is on a certificate is marked fixed.

Revision ID: h8branch0019
Revises: h2compl0019 (0020_complaints)
Create Date: 2026-11-28 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h8branch0019'
down_revision = 'h2compl0019'
branch_labels = None
depends_on = None

# Languages each initial branch offers (as certify.users.operations.INITIAL_BRANCHES says).
INITIAL_LANGUAGES = {"KZ": ["en", "ru", "kk"], "RU": ["en", "ru"]}


def upgrade():
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('agreement_reference', sa.String(length=100),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('languages', sa.JSON(), server_default='[]',
                                      nullable=False))
        batch_op.add_column(sa.Column('public_contact', sa.String(length=300),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('code_fixed', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    branches = sa.table("branches", sa.column("code", sa.String),
                        sa.column("languages", sa.JSON), sa.column("id", sa.Integer),
                        sa.column("code_fixed", sa.Boolean))
    for code, languages in INITIAL_LANGUAGES.items():
        op.execute(branches.update().where(branches.c.code == code)
                   .values(languages=languages))
    certificates = sa.table("certificates", sa.column("branch_id", sa.Integer))
    op.execute(branches.update()
               .where(branches.c.id.in_(sa.select(certificates.c.branch_id)))
               .values(code_fixed=True))


def downgrade():
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('code_fixed')
        batch_op.drop_column('public_contact')
        batch_op.drop_column('languages')
        batch_op.drop_column('agreement_reference')
        batch_op.drop_column('agreement_date')
