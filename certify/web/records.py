"""The administrators' records as lists on the server (``certify.core.listing``): the audit
log and the outbox, where failed mail is sent again. Both hold every branch's events and
messages, so only administrators see them; each row is read as the columns shown (never an
entry's data nor a message's body)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import aliased

from certify.core import audit
from certify.core.audit import AuditEvent
from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.forms import ActionForm, require_action_form
from certify.core.listing import (
    Filter,
    FilterControl,
    ListSpec,
    contains,
    distinct_values,
    integer,
    one_of,
    paginate,
)
from certify.core.outbox import Notification, retry
from certify.core.views import run_operation
from certify.users.models import User
from certify.users.permissions import can_see_outbox
from certify.web.blueprint import bp

MAX_NAME = 64  # an action's, object type's or kind's length


def _name(text: str) -> str | None:
    return text if len(text) <= MAX_NAME and text.replace(".", "").replace("_", "").replace(
        "-", "").isalnum() else None


Actor = aliased(User, name="actor")

AUDIT_LOG = ListSpec(
    sorts={"created": AuditEvent.created_at},
    default_sort="-created",
    filters={
        "action": Filter(_name, lambda v: AuditEvent.action == v),
        "object_type": Filter(_name, lambda v: AuditEvent.object_type == v),
        "object_id": Filter(integer, lambda v: AuditEvent.object_id == v),
        "actor": Filter(integer, lambda v: AuditEvent.actor_id == v),
    },
    search=lambda text: sa.or_(contains(AuditEvent.action, text),
                               contains(Actor.full_name, text), contains(Actor.email, text)),
    tiebreak=AuditEvent.id,
    default_per_page=50,
)

_UNSENT = sa.and_(Notification.sent_at.is_(None), Notification.failed_at.is_(None))
# A message's delivery (certify/core/outbox.py): waiting its first attempt, being retried
# after a temporary failure, given up (failed), or sent; "problems" is the two middle ones.
DELIVERY_STATES = {
    "problems": sa.or_(Notification.failed_at.is_not(None),
                       sa.and_(_UNSENT, Notification.attempts > 0)),
    "failed": Notification.failed_at.is_not(None),
    "retrying": sa.and_(_UNSENT, Notification.attempts > 0),
    "waiting": sa.and_(_UNSENT, Notification.attempts == 0),
    "sent": Notification.sent_at.is_not(None),
}

OUTBOX = ListSpec(
    sorts={"created": Notification.created_at, "sent": Notification.sent_at},
    default_sort="-created",
    filters={
        "state": Filter(one_of(*DELIVERY_STATES), lambda v: DELIVERY_STATES[v]),
        "kind": Filter(_name, lambda v: Notification.kind == v),
    },
    search=lambda text: sa.or_(contains(Notification.address, text),
                               contains(User.email, text), contains(Notification.subject, text)),
    tiebreak=Notification.id,
    default_per_page=50,
)


def _admins_only() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.get("/manage/audit")
@login_required
def audit_log():
    _admins_only()
    entries = paginate(
        sa.select(AuditEvent.id, AuditEvent.created_at, AuditEvent.action,
                  AuditEvent.object_type, AuditEvent.object_id, AuditEvent.actor_id,
                  Actor.full_name.label("actor_name"))
        .outerjoin(Actor, Actor.id == AuditEvent.actor_id), AUDIT_LOG, scalars=False)
    controls = [
        FilterControl("action", _("Action"), [(a, a) for a in distinct_values(AuditEvent.action)]),
        FilterControl("object_type", _("Object"),
                      [(t, t) for t in distinct_values(AuditEvent.object_type)]),
    ]
    return render_template("main/audit_log.html", entries=entries, controls=controls)


def _outbox_keepers_only() -> None:
    if not can_see_outbox(current_user):
        abort(403)


@bp.get("/manage/outbox")
@login_required
def outbox():
    _outbox_keepers_only()
    messages = paginate(
        sa.select(Notification.id, Notification.kind, Notification.subject,
                  Notification.language, Notification.created_at, Notification.sent_at,
                  Notification.attempts, Notification.last_error, Notification.next_attempt_at,
                  Notification.failed_at,
                  sa.func.coalesce(Notification.address, User.email).label("recipient"))
        .outerjoin(User, User.id == Notification.user_id), OUTBOX, scalars=False)
    controls = [
        FilterControl("state", _("State"), [
            ("problems", _("Failed or being retried")), ("failed", _("Failed")),
            ("retrying", _("Being retried")), ("waiting", _("Waiting")), ("sent", _("Sent"))]),
        FilterControl("kind", _("Kind"), [(k, k) for k in distinct_values(Notification.kind)]),
    ]
    return render_template("main/outbox.html", messages=messages, controls=controls,
                           action_form=ActionForm())


@bp.post("/manage/outbox/<int:notification_id>/retry")
@login_required
def retry_message(notification_id: int):
    _outbox_keepers_only()
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
