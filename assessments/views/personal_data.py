"""A person downloads all their data (the right of access; docs/privacy.md)."""

from __future__ import annotations

from flask import current_app, send_file
from flask_login import current_user, login_required

from assessments.blueprint import bp
from assessments.personal_data import export_file
from assessments.views.erasure import data_page
from certify.core.extensions import db, limiter
from certify.core.forms import require_action_form


def _export_limit() -> str:
    return current_app.config["DATA_EXPORT_LIMIT"]


def _account() -> str:
    return f"export:{current_user.id}"


@bp.get("/account/data")
@login_required
def my_data():
    return data_page()


@bp.post("/account/data")
@login_required
@limiter.limit(_export_limit, key_func=_account)
def download_my_data():
    require_action_form()
    user = current_user._get_current_object()
    archive = export_file(user)
    db.session.commit()  # the audit entry of the download
    response = send_file(archive, mimetype="application/zip", as_attachment=True,
                         download_name=f"my-data-{user.id}.zip")
    response.call_on_close(archive.close)
    return response
