"""What anyone may do, without an account: subscribe to a certificate's status from its
verification page, confirm or stop an email subscription from its mailed links, and delete a
webhook subscription with its secret."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _

from certify.alerts.blueprint import bp
from certify.alerts.forms import DeleteWebhookForm, SubscribeForm
from certify.alerts.models import Channel, Ending
from certify.alerts.operations import (
    CONFIRM,
    UNSUBSCRIBE,
    confirm_subscription,
    end,
    subscribe_by_email,
    subscribe_by_webhook,
    subscription_by_token,
    webhook_by_secret,
)
from certify.certificates.lookups import AS_VERIFIED, find_certificate
from certify.core.extensions import csrf, limiter
from certify.core.forms import ActionForm
from certify.core.i18n import current_language
from certify.core.views import attempt, run_action


def _alerts_rate() -> str:
    return current_app.config["ALERTS_RATE_LIMIT"]


# Each subscription may mail an address the visitor gives, and each deletion tries a secret:
# both are limited per client address, as the complaint form is. A form sent back for its
# mistakes (422) reached no mailbox and tried no secret, so it costs nothing.
alerts_limit = limiter.shared_limit(_alerts_rate, scope="status-alerts",
                                    exempt_when=lambda: request.method != "POST",
                                    deduct_when=lambda response: response.status_code != 422)


@bp.route("/verify/<number>/alerts", methods=["GET", "POST"])
@alerts_limit
def subscribe(number: str):
    certificate = find_certificate(number, *AS_VERIFIED)
    if certificate is None:
        abort(404)
    form = SubscribeForm()

    def again(status=422):
        return render_template("alerts/subscribe.html", certificate=certificate,
                               form=form), status

    if not form.validate_on_submit():
        return again() if request.method == "POST" else again(200)
    if form.channel.data == Channel.email.value:
        done, _subscription = attempt(lambda: subscribe_by_email(
            certificate, organisation=form.organisation.data, email=form.email.data,
            language=current_language()), success=_(
                "We have sent a confirmation link to %(email)s: alerts start once it is "
                "opened.", email=form.email.data))
        if not done:
            return again()
        return render_template("alerts/subscribed.html", certificate=certificate,
                               subscription=None)
    done, subscription = attempt(lambda: subscribe_by_webhook(
        certificate, organisation=form.organisation.data, url=form.webhook_url.data,
        language=current_language()))
    if not done:
        return again()
    # The secret is shown here once and never again: the page must not be kept anywhere.
    response = make_response(render_template("alerts/subscribed.html", certificate=certificate,
                                             subscription=subscription))
    response.headers["Cache-Control"] = "no-store"
    return response


def _by_link(token: str, purpose: str):
    subscription = subscription_by_token(token, purpose)
    if subscription is None:
        abort(404)
    return subscription


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button; only its POST confirms (mail scanners open links)."""
    subscription = _by_link(token, CONFIRM)
    if request.method == "GET":
        return render_template("alerts/confirm.html", subscription=subscription,
                               form=ActionForm())
    return run_action(lambda: confirm_subscription(subscription),
                      success=_("Confirmed: you will be told when its status changes."),
                      redirect_to=url_for("certificates.verify",
                                          number=subscription.certificate.number))


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    subscription = _by_link(token, UNSUBSCRIBE)
    if request.method == "GET":
        return render_template("alerts/unsubscribe.html", subscription=subscription,
                               form=ActionForm())
    return run_action(lambda: end(subscription, Ending.unsubscribed),
                      success=_("Done: no more alerts will be sent to you for this "
                                "certificate."),
                      redirect_to=url_for("certificates.verify",
                                          number=subscription.certificate.number))


@bp.route("/alerts/webhooks/delete", methods=["GET", "POST"])
@alerts_limit
@csrf.exempt  # the secret is the credential, not a session: a subscriber's system may post it
def delete_webhook():
    form = DeleteWebhookForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("alerts/delete_webhook.html", form=form), status
    subscription = webhook_by_secret(form.secret.data)
    if subscription is None:
        form.secret.errors = [_("No webhook subscription has this secret.")]
        return render_template("alerts/delete_webhook.html", form=form), 404
    attempt(lambda: end(subscription, Ending.unsubscribed),
            success=_("The webhook subscription is deleted."))
    return render_template("alerts/delete_webhook.html", form=DeleteWebhookForm(formdata=None))
