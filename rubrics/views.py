"""Rubrics: list, create, edit drafts, preview, publish, retire, diff, import and export."""

from __future__ import annotations

from collections.abc import Callable

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
from certify.core.forms import ActionForm, ConfirmForm, require_action_form
from certify.core.listing import FilterControl
from certify.core.views import attempt, flash_form_errors, run_action, run_confirmed, run_operation
from certify.users.models import Branch, User
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
from rubrics.io import dumps, export_rubric, version_content
from rubrics.lists import rubrics_page
from rubrics.models import Criterion, Rubric, RubricVersion, Track, VersionState
from rubrics.operations import (
    STANDARD_LEVELS,
    CriterionInput,
    add_criterion,
    add_level,
    code_taken,
    create_rubric,
    delete_draft,
    import_upload,
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
    can_manage_rubric,
    can_publish_rubric,
    can_view_rubric,
    can_view_rubrics,
)

RubricCheck = Callable[[User, Rubric], bool]


def get_rubric_or_404(rubric_id: int, *, check: RubricCheck) -> Rubric:
    rubric = db.get_or_404(Rubric, rubric_id)
    if not check(current_user, rubric):
        abort(403)
    return rubric


def get_version_or_404(version_id: int, *, check: RubricCheck,
                       draft: bool = False) -> RubricVersion:
    """The version, when ``check`` allows the current user its rubric; with ``draft``, only a
    draft (any other goes back to its page)."""
    version = db.get_or_404(RubricVersion, version_id)
    if not check(current_user, version.rubric):
        abort(403)
    if draft:
        _require_draft(version)
    return version


def get_criterion_or_404(criterion_id: int, *, check: RubricCheck) -> Criterion:
    """A criterion is only ever loaded to change it: a draft's, or back to its version."""
    criterion = db.get_or_404(Criterion, criterion_id)
    if not check(current_user, criterion.version.rubric):
        abort(403)
    _require_draft(criterion.version)
    return criterion


def _require_draft(version: RubricVersion) -> None:
    """Editing a published or retired version goes back to it, with the way forward."""
    if version.state != VersionState.draft:
        flash(_("Version %(number)d is %(state)s and cannot change: start a new draft from it.",
                number=version.number, state=version.state.title), "error")
        abort(redirect(url_for(".version", version_id=version.id)))


def _form_status() -> int:
    return 422 if request.method == "POST" else 200


def _chosen_branch(form: RubricForm) -> Branch | None:
    return db.session.get(Branch, form.branch.data) if form.branch.data else None


# Rubrics ------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    if not can_view_rubrics(current_user):
        abort(403)
    controls = [FilterControl("track", _("Track"), [(t.value, t.title) for t in Track]),
                FilterControl("branch", _("Branch"), [(b.id, b.code) for b in active_branches()])]
    return render_template("rubrics/index.html", rubrics=rubrics_page(), controls=controls,
                           import_form=ImportForm(), can_create=can_create_rubric(current_user))


def _rubric_page(form: RubricForm, rubric: Rubric | None):
    return render_template("rubrics/rubric_form.html", form=form,
                           rubric=rubric), _form_status()


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
            return run_operation(
                lambda: create_rubric(
                    code=form.code.data, track=Track(form.track.data),
                    title=texts_data(form.title), description=texts_data(form.description),
                    branch=_chosen_branch(form),
                    coordinators_may_edit=form.coordinators_may_edit.data, by=current_user,
                ),
                success=_("Rubric created with an empty draft."),
                redirect_to=lambda rubric: url_for(".version", version_id=rubric.draft.id),
                on_failure=lambda: _rubric_page(form, None),
            )
    return _rubric_page(form, None)


@bp.route("/<int:rubric_id>/edit", methods=["GET", "POST"])
@login_required
def edit(rubric_id: int):
    rubric = get_rubric_or_404(rubric_id, check=can_manage_rubric)
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
        return run_operation(
            lambda: update_rubric(
                rubric, title=texts_data(form.title), description=texts_data(form.description),
                branch=_chosen_branch(form),
                coordinators_may_edit=form.coordinators_may_edit.data, by=current_user,
            ),
            success=_("Rubric saved."),
            redirect_to=url_for(".index"),
            on_failure=lambda: _rubric_page(form, rubric),
        )
    return _rubric_page(form, rubric)


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
    done, version = attempt(lambda: import_upload(upload.read(), upload.filename or ""))
    if not done:
        return redirect(url_for(".index"))
    flash(_("Imported %(code)s version %(number)d.", code=version.rubric.code,
            number=version.number), "success")
    return redirect(url_for(".version", version_id=version.id))


# Versions -----------------------------------------------------------------------------------


@bp.get("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_view_rubric)
    editable = (rubric_version.state == VersionState.draft
                and can_edit_rubric(current_user, rubric_version.rubric))
    return render_template(
        "rubrics/version.html", version=rubric_version, editable=editable,
        can_publish=can_publish_rubric(current_user, rubric_version.rubric),
        can_edit=can_edit_rubric(current_user, rubric_version.rubric),
        problems=publish_problems(rubric_version) if editable else [],
        action_form=ActionForm(), confirm_form=ConfirmForm(),
    )


@bp.get("/versions/<int:version_id>/export")
@login_required
def export(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_view_rubric)
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
    rubric_version = get_version_or_404(version_id, check=can_view_rubric)
    role = request.args.get("as", "candidate")
    language = request.args.get("lang", "en")
    if role not in ("candidate", "reviewer") or language not in current_app.config["LANGUAGES"]:
        abort(404)
    with force_locale(language):
        form = LevelsPreviewForm(meta={"csrf": False}, formdata=None)
        bind_rows(form.rows, rubric_version.criteria)
        return render_template("rubrics/preview.html", version=rubric_version, role=role,
                               language=language, form=form)


def _settings_page(form: VersionSettingsForm, rubric_version: RubricVersion):
    return render_template("rubrics/settings_form.html", form=form,
                           version=rubric_version), _form_status()


@bp.route("/versions/<int:version_id>/settings", methods=["GET", "POST"])
@login_required
def settings(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_edit_rubric, draft=True)
    data = None
    if request.method == "GET":
        data = {
            "pass_threshold": rubric_version.pass_threshold,
            "floor_level": rubric_version.floor_level,
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
        return run_operation(
            lambda: update_settings(rubric_version, pass_threshold=form.pass_threshold.data,
                                    floor_level=form.floor_level.data,
                                    note=texts_data(form.note),
                                    eligibility=form.eligibility_data(),
                                    bands=form.bands_data(), by=current_user),
            success=_("Settings saved."),
            redirect_to=url_for(".version", version_id=rubric_version.id),
            on_failure=lambda: _settings_page(form, rubric_version),
        )
    return _settings_page(form, rubric_version)


@bp.post("/versions/<int:version_id>/publish")
@login_required
def publish_version(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_publish_rubric)
    return run_confirmed(lambda: publish(rubric_version, by=current_user),
                         success=_("Version published. It can no longer change."),
                         back=url_for(".version", version_id=rubric_version.id))


@bp.post("/versions/<int:version_id>/retire")
@login_required
def retire_version(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_publish_rubric)
    return run_confirmed(lambda: retire(rubric_version, by=current_user),
                         success=_("Version retired: new competitions cannot use it."),
                         back=url_for(".version", version_id=rubric_version.id))


@bp.post("/versions/<int:version_id>/draft")
@login_required
def new_draft(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_edit_rubric)
    return run_action(lambda: start_draft(rubric_version, by=current_user),
                      success=_("A new draft was copied from this version."),
                      redirect_to=lambda draft: url_for(".version", version_id=draft.id),
                      on_failure=url_for(".version", version_id=rubric_version.id))


@bp.post("/versions/<int:version_id>/delete")
@login_required
def delete_version(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_edit_rubric)
    return run_action(lambda: delete_draft(rubric_version, by=current_user),
                      success=_("Draft deleted."),
                      redirect_to=url_for(".index"),
                      on_failure=url_for(".version", version_id=rubric_version.id))


@bp.get("/diff/<int:old_id>/<int:new_id>")
@login_required
def diff(old_id: int, new_id: int):
    old = get_version_or_404(old_id, check=can_view_rubric)
    new = get_version_or_404(new_id, check=can_view_rubric)
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
        levels=[(texts_data(row.form.label), texts_data(row.form.descriptor),
                 texts_data(row.form.exemplar)) for row in form.levels],
    )


def _criterion_page(form: CriterionForm, rubric_version: RubricVersion,
                    criterion: Criterion | None):
    return render_template("rubrics/criterion_form.html", form=form, version=rubric_version,
                           criterion=criterion), _form_status()


@bp.route("/versions/<int:version_id>/criteria/new", methods=["GET", "POST"])
@login_required
def add_criterion_view(version_id: int):
    rubric_version = get_version_or_404(version_id, check=can_edit_rubric, draft=True)
    form = CriterionForm()
    if request.method == "GET":
        for row, label in zip(form.levels, STANDARD_LEVELS, strict=True):
            row.form.label.form.process(data=label)
        form.weight.data = 10
    if form.validate_on_submit():
        return run_operation(
            lambda: add_criterion(rubric_version, _criterion_input(form), by=current_user),
            success=_("Criterion added."),
            redirect_to=url_for(".version", version_id=rubric_version.id),
            on_failure=lambda: _criterion_page(form, rubric_version, None),
        )
    return _criterion_page(form, rubric_version, None)


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@login_required
def edit_criterion(criterion_id: int):
    criterion = get_criterion_or_404(criterion_id, check=can_edit_rubric)
    data = None
    if request.method == "GET":
        data = {
            "code": criterion.code, "section": criterion.section, "title": criterion.title,
            "guidance": criterion.guidance, "evidence": criterion.evidence,
            "weight": criterion.weight,
            "min_pass_level": "" if criterion.min_pass_level is None
            else str(criterion.min_pass_level),
            "evidence_required": criterion.evidence_required,
            "levels": [{"label": lv.label, "descriptor": lv.descriptor,
                        "exemplar": lv.exemplar} for lv in criterion.levels],
        }
    form = CriterionForm(data=data, level_count=len(criterion.levels))
    if form.validate_on_submit():
        return run_operation(
            lambda: update_criterion(criterion, _criterion_input(form), by=current_user),
            success=_("Criterion saved."),
            # After saving: the anchor names the criterion by its new code.
            redirect_to=lambda _saved: url_for(".version", version_id=criterion.version_id,
                                               _anchor=f"criterion-{criterion.code}"),
            on_failure=lambda: _criterion_page(form, criterion.version, criterion),
        )
    return _criterion_page(form, criterion.version, criterion)


@bp.post("/criteria/<int:criterion_id>/delete")
@login_required
def delete_criterion(criterion_id: int):
    criterion = get_criterion_or_404(criterion_id, check=can_edit_rubric)
    return run_action(lambda: remove_criterion(criterion, by=current_user),
                      success=_("Criterion removed."),
                      redirect_to=url_for(".version", version_id=criterion.version_id))


@bp.post("/criteria/<int:criterion_id>/move/<direction>")
@login_required
def move(criterion_id: int, direction: str):
    if direction not in ("up", "down"):
        abort(404)
    criterion = get_criterion_or_404(criterion_id, check=can_edit_rubric)
    require_action_form()
    offset = -1 if direction == "up" else 1
    return run_operation(lambda: move_criterion(criterion, offset, by=current_user),
                         success=_("Criterion moved."),
                         redirect_to=url_for(".version", version_id=criterion.version_id))


@bp.post("/criteria/<int:criterion_id>/levels/add")
@login_required
def add_level_view(criterion_id: int):
    criterion = get_criterion_or_404(criterion_id, check=can_edit_rubric)
    return run_action(lambda: add_level(criterion, by=current_user),
                      success=_("Level added: write its label and descriptor."),
                      redirect_to=url_for(".version", version_id=criterion.version_id))


@bp.post("/criteria/<int:criterion_id>/levels/remove")
@login_required
def remove_level_view(criterion_id: int):
    criterion = get_criterion_or_404(criterion_id, check=can_edit_rubric)
    return run_action(lambda: remove_level(criterion, by=current_user),
                      success=_("Top level removed."),
                      redirect_to=url_for(".version", version_id=criterion.version_id))
