"""Each submitted review's weighted score kept on the review (issue 17): the reviewer pool's
severity read every rating of every co-reviewed application (175,000 rows for a page of 25
reviewers at 100×, 1.9 s); it now reads one number per review. Filled here for the reviews
already submitted, by the rule of assessments.reviewers.severity.review_weighted_score:
100 × Σ w·level/max ÷ Σ w over the criteria rated.

Revision ID: score0039
Revises: alerts0038 (0038_status_alerts)
Create Date: 2026-11-29 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'score0039'
down_revision = 'alerts0038'
branch_labels = None
depends_on = None

# Per review: Σ w·level/max and Σ w over its rated criteria (max: the criterion's top level).
_SUMS = """
    SELECT review_scores.review_id AS review_id,
           SUM(CAST(rubric_criteria.weight AS FLOAT) * review_scores.level / tops.top) AS part,
           SUM(CAST(rubric_criteria.weight AS FLOAT)) AS weight
    FROM review_scores
    JOIN rubric_criteria ON rubric_criteria.id = review_scores.criterion_id
    JOIN (SELECT criterion_id, MAX(value) AS top FROM rubric_levels GROUP BY criterion_id) AS tops
      ON tops.criterion_id = review_scores.criterion_id
    WHERE review_scores.level IS NOT NULL AND tops.top > 0
    GROUP BY review_scores.review_id
"""

# UPDATE … FROM: one pass over the ratings (PostgreSQL; SQLite since 3.33).
BACKFILL = f"""
    UPDATE reviews SET weighted_score = 100.0 * sums.part / sums.weight
    FROM ({_SUMS}) AS sums
    WHERE sums.review_id = reviews.id AND sums.weight > 0 AND reviews.state = 'submitted'
"""


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weighted_score', sa.Double(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'score_only_when_submitted', "state = 'submitted' OR weighted_score IS NULL")


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint('score_only_when_submitted', type_='check')
        batch_op.drop_column('weighted_score')
