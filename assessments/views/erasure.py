"""Erasure requests (docs/privacy.md): the person asks from their data page; administrators,
and the coordinator of the person's branch, see the pending requests, each with its plan, and
approve (the plan carried out in one transaction) or refuse with a reason."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.erasure import (
    approve_erasure,
    erasure_plan,
    kind_titles,
    pending_request,
    refuse_erasure,
    request_erasure,
    requests_for,
)
from certify.core.extensions import db
from certify.core.forms import ActionForm, require_action_form
from certify.core.i18n import current_language
from certify.core.views import run_operation
from certify.users.forms import ErasureRefusalForm, ErasureRequestForm
from certify.users.models import ErasureRequest, ErasureState
from certify.users.permissions import can_handle_erasure, can_list_erasure_requests


def data_page(erasure_form: ErasureRequestForm | None = None, status: int = 200):
    """The person's data page: the download, and the erasure request (or its state)."""
    user = current_user._get_current_object()
    return render_template("assessments/my_data.html", form=ActionForm(),
                           erasure_form=erasure_form or ErasureRequestForm(),
                           pending=pending_request(user)), status


@bp.post("/account/erasure")
@login_required
def request_erasure_view():
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        return data_page(form, 422)
    user = current_user._get_current_object()
    return run_operation(
        lambda: request_erasure(user, password=form.password.data, reason=form.reason.data or "",
                                language=current_language()),
        success=_("Your request has been sent. You will be told by mail once it is decided."),
        redirect_to=url_for(".my_data"),
        on_failure=lambda: data_page(form, 422))


def erasure_or_404(erasure_id: int) -> ErasureRequest:
    """A request staff may decide: who asks is checked before whether it exists."""
    if not can_list_erasure_requests(current_user):
        abort(403)
    erasure = db.get_or_404(ErasureRequest, erasure_id)
    if not can_handle_erasure(current_user, erasure.user):
        abort(403)
    return erasure


@bp.get("/manage/erasure")
@login_required
def erasure_requests():
    if not can_list_erasure_requests(current_user):
        abort(403)
    return render_template("assessments/erasure_requests.html",
                           pending=requests_for(current_user))


def _detail(erasure: ErasureRequest, refusal_form: ErasureRefusalForm | None = None,
            status: int = 200):
    plan = erasure_plan(erasure.user) if erasure.state == ErasureState.pending else None
    return render_template("assessments/erasure_request.html", erasure=erasure, plan=plan,
                           action_form=ActionForm(), titles=kind_titles(),
                           refusal_form=refusal_form or ErasureRefusalForm()), status


@bp.get("/manage/erasure/<int:erasure_id>")
@login_required
def erasure_request(erasure_id: int):
    return _detail(erasure_or_404(erasure_id))


@bp.post("/manage/erasure/<int:erasure_id>/approve")
@login_required
def approve_erasure_view(erasure_id: int):
    erasure = erasure_or_404(erasure_id)
    require_action_form()
    here = url_for(".erasure_request", erasure_id=erasure.id)
    return run_operation(lambda: approve_erasure(erasure, by=current_user),
                         success=_("The request has been carried out and the person told."),
                         redirect_to=here)


@bp.post("/manage/erasure/<int:erasure_id>/refuse")
@login_required
def refuse_erasure_view(erasure_id: int):
    erasure = erasure_or_404(erasure_id)
    form = ErasureRefusalForm()
    if not form.validate_on_submit():
        return _detail(erasure, form, 422)
    return run_operation(lambda: refuse_erasure(erasure, form.reason.data, by=current_user),
                         success=_("The request has been refused and the person told."),
                         redirect_to=url_for(".erasure_request", erasure_id=erasure.id),
                         on_failure=lambda: _detail(erasure, form, 422))
