"""Rubrics: list, create, edit drafts, preview, publish, retire, diff, import and export."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.views import flash_form_errors
from certify.users.models import Branch
from certify.users.operations import active_branches
from rubrics.blueprint import bp
from rubrics.diff import diff_versions
from rubrics.forms import (
    CriterionForm,
    ImportForm,
    LevelsPreviewForm,
    RubricForm,
    VersionSettingsForm,
    bind_rows,
    texts_data,
)
from rubrics.io import RubricFileError, dumps, export_rubric, import_rubric, loads, version_content
from rubrics.models import Criterion, Rubric, RubricVersion, Track, VersionState
from rubrics.operations import (
    CriterionInput,
    RubricError,
    add_criterion,
    add_level,
    code_taken,
    create_rubric,
    delete_draft,
    move_criterion,
    publish,
    publish_problems,
    remove_criterion,
    remove_level,
    retire,
    start_draft,
    update_criterion,
    update_rubric,
    update_settings,
)
from rubrics.permissions import (
    can_create_rubric,
    can_edit_rubric,
    can_publish_rubric,
    can_view_rubrics,
)


def _flash_problems(error: RubricError) -> None:
    for problem in error.problems:
        flash(problem, "error")


def _viewable_version(version_id: int) -> RubricVersion:
    if not can_view_rubrics(current_user):
        abort(403)
    return db.get_or_404(RubricVersion, version_id)


def _require_draft(version: RubricVersion) -> None:
    """Editing a published or retired version goes back to it, with the way forward."""
    if version.state != VersionState.draft:
        flash(_("Version %(number)d is %(state)s and cannot change: start a new draft from it.",
                number=version.number, state=version.state.title), "error")
        abort(redirect(url_for(".version", version_id=version.id)))


def _editable_version(version_id: int) -> RubricVersion:
    version = db.get_or_404(RubricVersion, version_id)
    if not can_edit_rubric(current_user, version.rubric):
        abort(403)
    _require_draft(version)
    return version


def _editable_criterion(criterion_id: int) -> Criterion:
    criterion = db.get_or_404(Criterion, criterion_id)
    if not can_edit_rubric(current_user, criterion.version.rubric):
        abort(403)
    _require_draft(criterion.version)
    return criterion


def _form_status() -> int:
    return 422 if request.method == "POST" else 200


# Rubrics ------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    if not can_view_rubrics(current_user):
        abort(403)
    rubrics = db.session.scalars(sa.select(Rubric).order_by(Rubric.code)).all()
    return render_template("rubrics/index.html", rubrics=rubrics, import_form=ImportForm(),
                           can_create=can_create_rubric(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not can_create_rubric(current_user):
        abort(403)
    form = RubricForm(branches=active_branches())
    if form.validate_on_submit():
        if code_taken(form.code.data):
            form.code.errors.append(_("A rubric with this code already exists."))
        else:
            rubric = create_rubric(
                code=form.code.data, track=Track(form.track.data), title=texts_data(form.title),
                description=texts_data(form.description),
                branch=db.session.get(Branch, form.branch.data) if form.branch.data else None,
                coordinators_may_edit=form.coordinators_may_edit.data, by=current_user,
            )
            db.session.commit()
            flash(_("Rubric created with an empty draft."), "success")
            return redirect(url_for(".version", version_id=rubric.draft.id))
    return render_template("rubrics/rubric_form.html", form=form, rubric=None), _form_status()


@bp.route("/<int:rubric_id>/edit", methods=["GET", "POST"])
@login_required
def edit(rubric_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    if not can_create_rubric(current_user):
        abort(403)
    data = None
    if request.method == "GET":
        data = {"code": rubric.code, "track": rubric.track, "title": rubric.title,
                "description": rubric.description, "branch": rubric.branch_id or 0,
                "coordinators_may_edit": rubric.coordinators_may_edit}
    form = RubricForm(data=data, branches=active_branches())
    # Code and track identify the rubric and its certificates: they do not change.
    del form.code
    del form.track
    if form.validate_on_submit():
        update_rubric(
            rubric, title=texts_data(form.title), description=texts_data(form.description),
            branch=db.session.get(Branch, form.branch.data) if form.branch.data else None,
            coordinators_may_edit=form.coordinators_may_edit.data, by=current_user,
        )
        db.session.commit()
        flash(_("Rubric saved."), "success")
        return redirect(url_for(".index"))
    return render_template("rubrics/rubric_form.html", form=form, rubric=rubric), _form_status()


@bp.post("/import")
@login_required
def import_file():
    if not can_create_rubric(current_user):
        abort(403)
    form = ImportForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".index"))
    upload = form.file.data
    try:
        version = import_rubric(loads(upload.read(), filename=upload.filename or ""))
    except RubricFileError as error:
        db.session.rollback()
        flash(_("The file was not imported; nothing was saved:"), "error")
        for problem in error.problems[:50]:
            flash(problem, "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("Imported %(code)s version %(number)d.", code=version.rubric.code,
            number=version.number), "success")
    return redirect(url_for(".version", version_id=version.id))


# Versions -----------------------------------------------------------------------------------


@bp.get("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    rubric_version = _viewable_version(version_id)
    editable = (rubric_version.state == VersionState.draft
                and can_edit_rubric(current_user, rubric_version.rubric))
    return render_template(
        "rubrics/version.html", version=rubric_version, editable=editable,
        can_publish=can_publish_rubric(current_user, rubric_version.rubric),
        can_edit=can_edit_rubric(current_user, rubric_version.rubric),
        problems=publish_problems(rubric_version) if editable else [],
        action_form=ActionForm(),
    )


@bp.get("/versions/<int:version_id>/export")
@login_required
def export(version_id: int):
    rubric_version = _viewable_version(version_id)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "yaml"):
        abort(404)
    body = dumps(export_rubric(rubric_version), fmt)
    filename = f"{rubric_version.rubric.code}-v{rubric_version.number}.{fmt}"
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return Response(body, mimetype=f"{mimetype}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/versions/<int:version_id>/preview")
@login_required
def preview(version_id: int):
    """The version exactly as a candidate or a reviewer sees it, in a chosen language."""
    rubric_version = _viewable_version(version_id)
    role = request.args.get("as", "candidate")
    language = request.args.get("lang", "en")
    if role not in ("candidate", "reviewer") or language not in current_app.config["LANGUAGES"]:
        abort(404)
    with force_locale(language):
        form = LevelsPreviewForm(meta={"csrf": False}, formdata=None)
        bind_rows(form.rows, rubric_version.criteria)
        return render_template("rubrics/preview.html", version=rubric_version, role=role,
                               language=language, form=form)


@bp.route("/versions/<int:version_id>/settings", methods=["GET", "POST"])
@login_required
def settings(version_id: int):
    rubric_version = _editable_version(version_id)
    data = None
    if request.method == "GET":
        data = {
            "pass_threshold": rubric_version.pass_threshold,
            "note": rubric_version.note,
            "eligibility": [*rubric_version.eligibility, {}],
            "bands": [
                {**band, "min_levels": ", ".join(f"{code}={level}" for code, level in
                                                 (band.get("min_levels") or {}).items())}
                for band in rubric_version.bands
            ] + [{}],
        }
    form = VersionSettingsForm(data=data)
    if form.validate_on_submit():
        try:
            update_settings(rubric_version, pass_threshold=form.pass_threshold.data,
                            note=texts_data(form.note), eligibility=form.eligibility_data(),
                            bands=form.bands_data(), by=current_user)
        except RubricError as error:
            db.session.rollback()
            _flash_problems(error)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for(".version", version_id=rubric_version.id))
    return render_template("rubrics/settings_form.html", form=form,
                           version=rubric_version), _form_status()


def _action(version_id: int, operation, success: str, *, publishing=False):
    rubric_version = db.get_or_404(RubricVersion, version_id)
    allowed = (can_publish_rubric if publishing else can_edit_rubric)(
        current_user, rubric_version.rubric)
    if not allowed:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        target = operation(rubric_version, by=current_user)
    except RubricError as error:
        db.session.rollback()
        _flash_problems(error)
        return redirect(url_for(".version", version_id=rubric_version.id))
    db.session.commit()
    flash(success, "success")
    if isinstance(target, RubricVersion):
        return redirect(url_for(".version", version_id=target.id))
    return redirect(url_for(".index"))


@bp.post("/versions/<int:version_id>/publish")
@login_required
def publish_version(version_id: int):
    def run(version, by):
        publish(version, by=by)
        return version

    return _action(version_id, run, _("Version published. It can no longer change."),
                   publishing=True)


@bp.post("/versions/<int:version_id>/retire")
@login_required
def retire_version(version_id: int):
    def run(version, by):
        retire(version, by=by)
        return version

    return _action(version_id, run, _("Version retired: new competitions cannot use it."),
                   publishing=True)


@bp.post("/versions/<int:version_id>/draft")
@login_required
def new_draft(version_id: int):
    return _action(version_id, start_draft, _("A new draft was copied from this version."))


@bp.post("/versions/<int:version_id>/delete")
@login_required
def delete_version(version_id: int):
    return _action(version_id, delete_draft, _("Draft deleted."))


@bp.get("/diff/<int:old_id>/<int:new_id>")
@login_required
def diff(old_id: int, new_id: int):
    if not can_view_rubrics(current_user):
        abort(403)
    old = db.get_or_404(RubricVersion, old_id)
    new = db.get_or_404(RubricVersion, new_id)
    settings_changes, criteria = diff_versions(version_content(old), version_content(new))
    return render_template("rubrics/diff.html", old=old, new=new,
                           settings_changes=settings_changes, criteria=criteria)


# Criteria -----------------------------------------------------------------------------------


def _criterion_input(form: CriterionForm) -> CriterionInput:
    return CriterionInput(
        code=form.code.data, section=texts_data(form.section), title=texts_data(form.title),
        guidance=texts_data(form.guidance), evidence=texts_data(form.evidence),
        weight=form.weight.data,
        min_pass_level=int(form.min_pass_level.data) if form.min_pass_level.data else None,
        evidence_required=form.evidence_required.data,
        levels=[(texts_data(row.form.label), texts_data(row.form.descriptor))
                for row in form.levels],
    )


@bp.route("/versions/<int:version_id>/criteria/new", methods=["GET", "POST"])
@login_required
def add_criterion_view(version_id: int):
    rubric_version = _editable_version(version_id)
    form = CriterionForm()
    if request.method == "GET":
        from rubrics.operations import STANDARD_LEVELS

        for row, label in zip(form.levels, STANDARD_LEVELS, strict=True):
            row.form.label.form.process(data=label)
        form.weight.data = 10
    if form.validate_on_submit():
        try:
            add_criterion(rubric_version, _criterion_input(form), by=current_user)
        except RubricError as error:
            db.session.rollback()
            _flash_problems(error)
        else:
            db.session.commit()
            flash(_("Criterion added."), "success")
            return redirect(url_for(".version", version_id=rubric_version.id))
    return render_template("rubrics/criterion_form.html", form=form, version=rubric_version,
                           criterion=None), _form_status()


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@login_required
def edit_criterion(criterion_id: int):
    criterion = _editable_criterion(criterion_id)
    data = None
    if request.method == "GET":
        data = {
            "code": criterion.code, "section": criterion.section, "title": criterion.title,
            "guidance": criterion.guidance, "evidence": criterion.evidence,
            "weight": criterion.weight,
            "min_pass_level": "" if criterion.min_pass_level is None
            else str(criterion.min_pass_level),
            "evidence_required": criterion.evidence_required,
            "levels": [{"label": lv.label, "descriptor": lv.descriptor}
                       for lv in criterion.levels],
        }
    form = CriterionForm(data=data, level_count=len(criterion.levels))
    if form.validate_on_submit():
        try:
            update_criterion(criterion, _criterion_input(form), by=current_user)
        except RubricError as error:
            db.session.rollback()
            _flash_problems(error)
        else:
            db.session.commit()
            flash(_("Criterion saved."), "success")
            return redirect(url_for(".version", version_id=criterion.version_id,
                                    _anchor=f"criterion-{criterion.code}"))
    return render_template("rubrics/criterion_form.html", form=form, version=criterion.version,
                           criterion=criterion), _form_status()


def _criterion_action(criterion_id: int, operation, success: str):
    criterion = _editable_criterion(criterion_id)
    version_id = criterion.version_id
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation(criterion)
    except RubricError as error:
        db.session.rollback()
        _flash_problems(error)
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(".version", version_id=version_id))


@bp.post("/criteria/<int:criterion_id>/delete")
@login_required
def delete_criterion(criterion_id: int):
    return _criterion_action(criterion_id, lambda c: remove_criterion(c, by=current_user),
                             _("Criterion removed."))


@bp.post("/criteria/<int:criterion_id>/move/<direction>")
@login_required
def move(criterion_id: int, direction: str):
    if direction not in ("up", "down"):
        abort(404)
    offset = -1 if direction == "up" else 1
    return _criterion_action(criterion_id,
                             lambda c: move_criterion(c, offset, by=current_user),
                             _("Criterion moved."))


@bp.post("/criteria/<int:criterion_id>/levels/add")
@login_required
def add_level_view(criterion_id: int):
    return _criterion_action(criterion_id, lambda c: add_level(c, by=current_user),
                             _("Level added: write its label and descriptor."))


@bp.post("/criteria/<int:criterion_id>/levels/remove")
@login_required
def remove_level_view(criterion_id: int):
    return _criterion_action(criterion_id, lambda c: remove_level(c, by=current_user),
                             _("Top level removed."))
