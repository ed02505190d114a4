"""The candidate's pages: their applications, the self-assessment with its evidence, withdrawal,
the result and its feedback, and an appeal. Staff in scope and assigned reviewers read an
application here too."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments import evidence
from assessments.blueprint import bp
from assessments.forms import AppealForm, ApplicationForm, EvidenceForm
from assessments.models import Application
from assessments.operations import (
    AnswerInput,
    can_appeal,
    declare_specialism,
    lodge_appeal,
    save_answers,
    submit_application,
    withdraw_application,
)
from assessments.permissions import (
    can_edit_application,
    can_remove_evidence,
    can_view_result,
    evidence_is_blind_to,
    is_candidate_of,
)
from assessments.queries import applications_of
from assessments.readable_exports import readable_feedback
from assessments.reports import candidate_result, feedback_frame
from assessments.views.loaders import (
    evidence_file_or_404,
    get_application_or_404,
    get_evidence_or_404,
    viewable_application_or_404,
)
from certify.core.forms import ActionForm, require_action_form
from certify.core.tabular import csv_response, to_csv
from certify.core.uploads import extension_for
from certify.core.views import background_save, run_action, run_operation, run_posted_form
from certify.users.specialisms import specialism_title


@bp.get("/applications/")
@login_required
def my_applications():
    return render_template("assessments/my_applications.html",
                           applications=applications_of(current_user))


def _application_form(application: Application, criteria) -> ApplicationForm:
    """The posted form, or on GET the form filled from the stored draft."""
    data = None
    if request.method == "GET":
        data = {
            "version": application.version,
            "eligibility_confirmed": application.eligibility_confirmed,
            "specialism": application.specialism or "",
            "answers": [{"level": (a := application.answer_for(c)) and a.level,
                         "narrative": a.narrative if a else ""} for c in criteria],
        }
    form = ApplicationForm(data=data)
    form.bind_criteria(criteria)
    return form


def _answers_from(form: ApplicationForm, criteria) -> dict[int, AnswerInput]:
    return {
        criterion.id: AnswerInput(level=entry.form.level.data,
                                  narrative=entry.form.narrative.data or "")
        for entry, criterion in zip(form.answers, criteria, strict=False)
    }


def _application_page(application: Application, form: ApplicationForm, *, editable: bool,
                      status: int):
    own = is_candidate_of(current_user, application)
    return render_template(
        "assessments/application.html", application=application,
        criteria=application.competition.rubric_version.criteria, form=form, editable=editable,
        is_own=own, action_form=ActionForm(), evidence_form=EvidenceForm(),
        appeal_form=AppealForm(), may_appeal=own and can_appeal(application),
        specialism_title=specialism_title,
    ), status


def _evidence_action(application: Application, criteria):
    """What an evidence button of the application form asks, if one was pressed:
    ``add_evidence=<criterion position>`` (with that row's ``evidence-<n>-file|url|title``)
    or ``remove_evidence=<evidence id>``; an unknown position or foreign id is ignored."""
    position = request.form.get("add_evidence", "")
    if position.isdigit() and int(position) < len(criteria):
        criterion = criteria[int(position)]
        upload = request.files.get(f"evidence-{position}-file")
        chosen = ((upload.stream.read(current_app.config["MAX_FILE_BYTES"] + 1), upload.filename)
                  if upload and upload.filename else None)
        url = (request.form.get(f"evidence-{position}-url") or "").strip()[:1000]
        title = (request.form.get(f"evidence-{position}-title") or "").strip()[:200]
        return criterion, lambda: evidence.attach(
            application, criterion, upload=chosen, url=url or None, title=title or None,
            by=current_user)
    removed = request.form.get("remove_evidence", "")
    item = next((e for e in application.evidence if str(e.id) == removed), None)
    if item is not None:
        return item.criterion, lambda: evidence.remove(item, by=current_user)
    return None


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def application(application_id: int):
    application = viewable_application_or_404(application_id)
    editable = can_edit_application(current_user, application)
    if request.method == "POST" and not editable:
        abort(403)
    criteria = application.competition.rubric_version.criteria
    form = _application_form(application, criteria)
    if request.method == "POST" and request.form.get("autosave"):
        return background_save(form, lambda: save_answers(
            application, _answers_from(form, criteria),
            eligibility_confirmed=form.eligibility_confirmed.data,
            expected_version=form.version.data), version=lambda: application.version)
    if editable and form.validate_on_submit():
        # An evidence button of the form: the draft as typed is saved first, then the
        # evidence added or removed, so nothing typed before the click is lost.
        action = _evidence_action(application, criteria)
        submit = bool(form.submit.data) and action is None
        if submit and not form.submit_confirmed():
            return _application_page(application, form, editable=True, status=422)

        def save():
            save_answers(application, _answers_from(form, criteria),
                         eligibility_confirmed=form.eligibility_confirmed.data,
                         expected_version=form.version.data)
            declare_specialism(application, form.specialism.data or None, by=current_user)
            if action is not None:
                action[1]()
            if submit:
                submit_application(application, by=current_user)

        if action is not None:
            success = _("Draft saved and the evidence changed.")
            back = url_for(".application", application_id=application.id,
                           _anchor=f"criterion-{action[0].code}")
        else:
            success = (_("Your application has been submitted. It can no longer be changed.")
                       if submit else _("Draft saved."))
            back = url_for(".application", application_id=application.id)
        return run_operation(
            save, success=success, redirect_to=back,
            problem_prefix=f"{action[0].code}: " if action is not None else "",
            on_failure=lambda: _application_page(application, form, editable=True, status=422),
        )
    return _application_page(application, form, editable=editable,
                             status=422 if request.method == "POST" else 200)


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    application = get_application_or_404(application_id, check=is_candidate_of)
    return run_action(lambda: withdraw_application(application, by=current_user),
                      success=_("Your application has been withdrawn."),
                      redirect_to=url_for(".application", application_id=application.id))


@bp.post("/applications/<int:application_id>/evidence")
@login_required
def add_evidence(application_id: int):
    application = get_application_or_404(application_id, check=can_edit_application)
    form = EvidenceForm()
    criteria = application.competition.rubric_version.criteria
    if not form.validate_on_submit() or not 0 <= form.criterion.data < len(criteria):
        flash(_("The evidence could not be added: check the form."), "error")
        return redirect(url_for(".application", application_id=application.id))
    criterion = criteria[form.criterion.data]
    upload = form.file.data
    chosen = ((upload.stream.read(current_app.config["MAX_FILE_BYTES"] + 1), upload.filename)
              if upload and upload.filename else None)
    return run_operation(
        lambda: evidence.attach(application, criterion, upload=chosen, url=form.url.data,
                                title=form.title.data, by=current_user),
        success=_("%(code)s: evidence added.", code=criterion.code),
        redirect_to=url_for(".application", application_id=application.id,
                            _anchor=f"criterion-{criterion.code}"),
        problem_prefix=f"{criterion.code}: ",
    )


@bp.post("/evidence/<int:evidence_id>/delete")
@login_required
def delete_evidence(evidence_id: int):
    item = get_evidence_or_404(evidence_id, check=can_remove_evidence)
    require_action_form()
    back = url_for(".application", application_id=item.application_id)
    return run_operation(lambda: evidence.remove(item, by=current_user),
                         success=_("Evidence removed."), redirect_to=back)


@bp.get("/evidence/<int:evidence_id>")
@login_required
def download_evidence(evidence_id: int):
    """Only to the candidate, the assigned reviewers and staff in scope; always as a download,
    with its checked type and no sniffing, so nothing uploaded runs in our pages."""
    item = evidence_file_or_404(evidence_id)
    extension = extension_for(item.content_type)
    name = (f"evidence-{item.id}{extension}" if evidence_is_blind_to(current_user, item.application)
            else item.title)
    if not name.lower().endswith(extension):
        name += extension
    response = send_file(evidence.stored_path(item), mimetype=item.content_type,
                         as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/applications/<int:application_id>/appeal")
@login_required
def appeal(application_id: int):
    application = get_application_or_404(application_id, check=is_candidate_of)
    form = AppealForm()
    return run_posted_form(
        form, lambda: lodge_appeal(application, form.grounds.data, by=current_user),
        success=_("Your appeal has been lodged. You will be told of its outcome."),
        back=url_for(".application", application_id=application.id))


@bp.get("/applications/<int:application_id>/result")
@login_required
def result(application_id: int):
    application = get_application_or_404(application_id, check=can_view_result)
    shown = candidate_result(application)
    return render_template("assessments/result.html", application=application, rows=shown.rows,
                           result=shown.result, chart=shown.chart, reviewers=shown.reviewers)


@bp.get("/applications/<int:application_id>/feedback.csv")
@login_required
def feedback_csv(application_id: int):
    """The per-criterion feedback as a spreadsheet in the candidate's language: self level,
    panel mean and what each (anonymous) reviewer gave and wrote."""
    application = get_application_or_404(application_id, check=can_view_result)
    return csv_response(to_csv(readable_feedback(feedback_frame(application))),
                        f"feedback-{application.id}.csv")
