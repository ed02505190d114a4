"""Reading rubrics and their versions (editing arrives with the rubrics issue)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user, login_required

from certify.extensions import db
from rubrics import bp
from rubrics.models import Rubric, RubricVersion
from rubrics.permissions import can_view_rubrics


@bp.get("/")
@login_required
def index():
    if not can_view_rubrics(current_user):
        abort(403)
    rubrics = db.session.scalars(sa.select(Rubric).order_by(Rubric.code)).all()
    return render_template("rubrics/index.html", rubrics=rubrics)


@bp.get("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    if not can_view_rubrics(current_user):
        abort(403)
    rubric_version = db.get_or_404(RubricVersion, version_id)
    return render_template("rubrics/version.html", version=rubric_version)
