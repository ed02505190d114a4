"""Status alerts (issue 19): subscriptions to a certificate's status by e-mail or webhook, the
webhook deliveries and each attempt's outcome (certify/alerts/models.py).

Revision ID: alerts0038
Revises: revcred0037 (0037_reviewer_credentials)
Create Date: 2026-11-29 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'alerts0038'
down_revision = 'revcred0037'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alert_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('webhook_url', sa.String(length=2000), nullable=True),
        sa.Column('secret', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ending', sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "(channel = 'email' AND email IS NOT NULL "
            "AND webhook_url IS NULL AND secret IS NULL) OR "
            "(channel = 'webhook' AND webhook_url IS NOT NULL AND secret IS NOT NULL "
            "AND email IS NULL AND confirmed_at IS NOT NULL)",
            name=op.f('ck_alert_subscriptions_channel_fields')),
        sa.CheckConstraint('(ended_at IS NULL) = (ending IS NULL)',
                           name=op.f('ck_alert_subscriptions_ending_has_reason')),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_alert_subscriptions_certificate_id_certificates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_subscriptions')),
        sa.UniqueConstraint('secret', name=op.f('uq_alert_subscriptions_secret')),
    )
    op.create_index(op.f('ix_alert_subscriptions_certificate_id'), 'alert_subscriptions',
                    ['certificate_id'], unique=False)
    op.create_table(
        'alert_webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=20), nullable=False),
        sa.Column('event_key', sa.String(length=120), nullable=False),
        sa.Column('message_id', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('attempts >= 0',
                           name=op.f('ck_alert_webhook_deliveries_attempts_not_negative')),
        sa.CheckConstraint('delivered_at IS NULL OR failed_at IS NULL',
                           name=op.f('ck_alert_webhook_deliveries_delivered_or_failed')),
        sa.ForeignKeyConstraint(
            ['subscription_id'], ['alert_subscriptions.id'],
            name=op.f('fk_alert_webhook_deliveries_subscription_id_alert_subscriptions'),
            ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_webhook_deliveries')),
        sa.UniqueConstraint('message_id', name=op.f('uq_alert_webhook_deliveries_message_id')),
        sa.UniqueConstraint('subscription_id', 'event_key',
                            name=op.f('uq_alert_webhook_deliveries_subscription_id_event_key')),
    )
    for column in ('subscription_id', 'created_at', 'next_attempt_at'):
        op.create_index(op.f(f'ix_alert_webhook_deliveries_{column}'),
                        'alert_webhook_deliveries', [column], unique=False)
    op.create_table(
        'alert_delivery_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.CheckConstraint('duration_ms >= 0',
                           name=op.f('ck_alert_delivery_attempts_duration_not_negative')),
        sa.CheckConstraint('status_code IS NOT NULL OR error IS NOT NULL',
                           name=op.f('ck_alert_delivery_attempts_status_or_error')),
        sa.ForeignKeyConstraint(
            ['delivery_id'], ['alert_webhook_deliveries.id'],
            name=op.f('fk_alert_delivery_attempts_delivery_id_alert_webhook_deliveries'),
            ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_delivery_attempts')),
    )
    op.create_index(op.f('ix_alert_delivery_attempts_delivery_id'), 'alert_delivery_attempts',
                    ['delivery_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_alert_delivery_attempts_delivery_id'),
                  table_name='alert_delivery_attempts')
    op.drop_table('alert_delivery_attempts')
    for column in ('next_attempt_at', 'created_at', 'subscription_id'):
        op.drop_index(op.f(f'ix_alert_webhook_deliveries_{column}'),
                      table_name='alert_webhook_deliveries')
    op.drop_table('alert_webhook_deliveries')
    op.drop_index(op.f('ix_alert_subscriptions_certificate_id'),
                  table_name='alert_subscriptions')
    op.drop_table('alert_subscriptions')
