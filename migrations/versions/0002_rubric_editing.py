"""Rubric editing: bands, a justification note and evidence guidance per version and criterion,
branch rubrics that coordinators may be allowed to edit, and version lineage.

Existing rows get empty texts and lists; the server defaults only fill them and are dropped.

Revision ID: 54e96c520b22
Revises: a83d6652ab4d
Create Date: 2026-11-24 08:25:32.934067

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '54e96c520b22'
down_revision = 'a83d6652ab4d'
branch_labels = None
depends_on = None


EMPTY_OBJECT = sa.text("'{}'")
EMPTY_LIST = sa.text("'[]'")


def upgrade():
    with op.batch_alter_table('rubric_criteria', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.JSON(), nullable=False,
                                      server_default=EMPTY_OBJECT))

    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bands', sa.JSON(), nullable=False,
                                      server_default=EMPTY_LIST))
        batch_op.add_column(sa.Column('note', sa.JSON(), nullable=False,
                                      server_default=EMPTY_OBJECT))
        batch_op.add_column(sa.Column('based_on_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rubric_versions_based_on_id_rubric_versions'), 'rubric_versions', ['based_on_id'], ['id'])

    with op.batch_alter_table('rubrics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('coordinators_may_edit', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.create_foreign_key(batch_op.f('fk_rubrics_branch_id_branches'), 'branches', ['branch_id'], ['id'])

    for table, columns in (
        ("rubric_criteria", ("evidence",)),
        ("rubric_versions", ("bands", "note")),
        ("rubrics", ("coordinators_may_edit", "created_at")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table('rubrics', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rubrics_branch_id_branches'), type_='foreignkey')
        batch_op.drop_column('created_at')
        batch_op.drop_column('coordinators_may_edit')
        batch_op.drop_column('branch_id')

    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rubric_versions_based_on_id_rubric_versions'), type_='foreignkey')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('based_on_id')
        batch_op.drop_column('note')
        batch_op.drop_column('bands')

    with op.batch_alter_table('rubric_criteria', schema=None) as batch_op:
        batch_op.drop_column('evidence')
