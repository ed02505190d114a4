"""The outbox for administrators: mail waiting, being retried after a failure, or given up,
each with its last error, and a button to send a failed one again."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.forms import ActionForm, require_action_form
from certify.core.outbox import Notification, retry
from certify.core.views import run_operation
from certify.users.permissions import can_see_outbox
from certify.web.blueprint import bp

SHOWN = 200
STATES = {
    "problems": _l("Failed or being retried"),
    "failed": _l("Failed"),
    "retrying": _l("Being retried"),
    "waiting": _l("Waiting"),
    "sent": _l("Sent"),
}
_CONDITIONS = {
    "failed": Notification.failed_at.is_not(None),
    "retrying": sa.and_(Notification.sent_at.is_(None), Notification.failed_at.is_(None),
                        Notification.attempts > 0),
    "waiting": sa.and_(Notification.sent_at.is_(None), Notification.failed_at.is_(None),
                       Notification.attempts == 0),
    "sent": Notification.sent_at.is_not(None),
}
_CONDITIONS["problems"] = sa.or_(_CONDITIONS["failed"], _CONDITIONS["retrying"])


def _administrators_only() -> None:
    if not can_see_outbox(current_user):
        abort(403)


@bp.get("/admin/outbox")
@login_required
def outbox():
    _administrators_only()
    state = request.args.get("state", "problems")
    if state not in STATES:
        state = "problems"
    counts = {name: db.session.scalar(sa.select(sa.func.count(Notification.id)).where(condition))
              for name, condition in _CONDITIONS.items()}
    messages = db.session.scalars(
        sa.select(Notification).where(_CONDITIONS[state])
        .options(sa.orm.joinedload(Notification.user))
        .order_by(Notification.id.desc()).limit(SHOWN)).all()
    return render_template("main/outbox.html", messages=messages, state=state, states=STATES,
                           counts=counts, shown=SHOWN, action_form=ActionForm())


@bp.post("/admin/outbox/<int:notification_id>/retry")
@login_required
def retry_message(notification_id: int):
    _administrators_only()
    require_action_form()
    notification = db.get_or_404(Notification, notification_id)

    def send_again():
        if notification.failed_at is None:
            raise DomainError(_("Only a failed message can be sent again."))
        retry(notification)
        audit.record("outbox.retry", notification, actor=current_user,
                     kind=notification.kind, last_error=notification.last_error)

    return run_operation(send_again,
                         success=_("The message will be sent on the next pass of the outbox."),
                         redirect_to=url_for(".outbox", state="failed"))
