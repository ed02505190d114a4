"""List indexes: one for every column the staff lists filter or sort on (certify.core.listing),
so that a list's first page costs the same at 100x the data as at 1x.

Revision ID: elists0025
Revises: binvite0025 (0030_invitations_and_specialism)
Create Date: 2026-11-28 20:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'elists0025'
down_revision = 'binvite0025'
branch_labels = None
depends_on = None

# (index, table, columns): named as the models' naming convention names them.
INDEXES = [
    ('ix_applications_state', 'applications', ['state']),
    ('ix_applications_submitted_at', 'applications', ['submitted_at']),
    ('ix_applications_updated_at', 'applications', ['updated_at']),
    ('ix_audit_events_actor_id', 'audit_events', ['actor_id']),
    ('ix_audit_events_object', 'audit_events', ['object_type', 'object_id']),
    ('ix_certificates_branch_id', 'certificates', ['branch_id']),
    ('ix_certificates_holder_name', 'certificates', ['holder_name']),
    ('ix_certificates_issued_at', 'certificates', ['issued_at']),
    ('ix_certificates_track', 'certificates', ['track']),
    ('ix_certificates_valid_until', 'certificates', ['valid_until']),
    ('ix_certificates_year', 'certificates', ['year']),
    ('ix_complaints_created_at', 'complaints', ['created_at']),
    ('ix_complaints_state', 'complaints', ['state']),
    ('ix_competitions_closes_at', 'competitions', ['closes_at']),
    ('ix_competitions_opens_at', 'competitions', ['opens_at']),
    ('ix_competitions_review_deadline', 'competitions', ['review_deadline']),
    ('ix_competitions_state', 'competitions', ['state']),
    ('ix_notifications_created_at', 'notifications', ['created_at']),
    ('ix_notifications_kind', 'notifications', ['kind']),
    ('ix_renewal_requests_created_at', 'renewal_requests', ['created_at']),
    ('ix_renewal_requests_state', 'renewal_requests', ['state']),
    ('ix_reviewer_invitations_created_at', 'reviewer_invitations', ['created_at']),
    ('ix_reviews_assigned_at', 'reviews', ['assigned_at']),
    ('ix_reviews_state', 'reviews', ['state']),
    ('ix_rubrics_branch_id', 'rubrics', ['branch_id']),
    ('ix_rubrics_created_at', 'rubrics', ['created_at']),
    ('ix_rubrics_track', 'rubrics', ['track']),
    ('ix_users_created_at', 'users', ['created_at']),
    ('ix_users_full_name', 'users', ['full_name']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
