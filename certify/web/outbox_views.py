"""Failed mail sent again by an administrator, from the outbox list (``records.outbox``)."""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core import audit
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.forms import require_action_form
from certify.core.outbox import Notification, retry
from certify.core.views import run_operation
from certify.users.permissions import can_see_outbox
from certify.web.blueprint import bp


@bp.post("/manage/outbox/<int:notification_id>/retry")
@login_required
def retry_message(notification_id: int):
    if not can_see_outbox(current_user):
        abort(403)
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
