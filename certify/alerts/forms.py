from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, StringField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional

from certify.alerts.models import Channel


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


class SubscribeForm(FlaskForm):
    organisation = StringField(_l("Organisation"), filters=[strip],
                               validators=[DataRequired(), Length(max=200)])
    channel = RadioField(_l("How to tell you"), default=Channel.email.value,
                         choices=[SelectChoice(Channel.email.value, _l("By email")),
                                  SelectChoice(Channel.webhook.value,
                                               _l("By a webhook (for your systems)"))],
                         validators=[DataRequired()])
    email = EmailField(_l("Email address"), filters=[lower_strip],
                       validators=[Optional(), Email(check_deliverability=False),
                                   Length(max=254)])
    webhook_url = URLField(_l("Webhook address"), filters=[strip],
                           validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.channel.data == Channel.email.value and not self.email.data:
            self.email.errors = [*self.email.errors, _l("Give the address to send alerts to.")]
            valid = False
        if self.channel.data == Channel.webhook.value and not self.webhook_url.data:
            self.webhook_url.errors = [*self.webhook_url.errors,
                                       _l("Give the address to send alerts to.")]
            valid = False
        return valid


class DeleteWebhookForm(FlaskForm):
    """The secret is the key: no session, so a subscriber's system can post it too."""

    class Meta:
        csrf = False

    secret = StringField(_l("Signing secret"), filters=[strip],
                         validators=[DataRequired(), Length(max=100)])
