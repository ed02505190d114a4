"""The reviewer's pages: the queue, the review form (with the evidence checks), a declared
conflict, reopening a submitted review; and the panel's discussion, shared with staff."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments import evidence
from assessments.blueprint import bp
from assessments.forms import ConflictForm, PostForm, ReviewForm
from assessments.lists import review_queue_of
from assessments.models import Application, Evidence, Review
from assessments.operations import (
    ScoreInput,
    declare_conflict,
    post_to_discussion,
    reopen_review,
    save_review,
)
from assessments.permissions import (
    can_discuss,
    can_reopen_review,
    can_write_review,
    is_reviewer,
    is_reviewer_of,
)
from assessments.queries import signed_competition_ids
from assessments.states import ReviewState
from assessments.views.list_filters import review_filters
from assessments.views.loaders import (
    get_application_or_404,
    get_review_or_404,
)
from certify.core.forms import ActionForm
from certify.core.views import background_save, run_action, run_operation, run_posted_form


@bp.get("/reviews/")
@login_required
def review_queue():
    if not is_reviewer(current_user):
        abort(403)
    return render_template("assessments/review_queue.html",
                           reviews=review_queue_of(current_user),
                           signed=signed_competition_ids(current_user), controls=review_filters())


def _review_form(review: Review, criteria) -> ReviewForm:
    """The posted form, or on GET the form filled from the stored draft."""
    data = None
    if request.method == "GET":
        data = {
            "version": review.version,
            "scores": [{"level": (s := review.score_for(c)) and s.level,
                        "comment": s.comment if s else ""} for c in criteria],
        }
    form = ReviewForm(data=data)
    form.bind_criteria(criteria)
    return form


def _scores_from(form: ReviewForm, criteria) -> dict[int, ScoreInput]:
    return {
        criterion.id: ScoreInput(level=entry.form.level.data, comment=entry.form.comment.data or "")
        for entry, criterion in zip(form.scores, criteria, strict=False)
    }


def _evidence_check_in(form_data, application: Application) -> tuple[Evidence, bool] | None:
    """The evidence a "Mark (not) verified" button of the review form names, if one was
    pressed: ``check_evidence=<evidence id>:yes|no``; an unknown or foreign id is ignored."""
    evidence_id, _sep, answer = (form_data.get("check_evidence") or "").partition(":")
    if not evidence_id.isdigit() or answer not in ("yes", "no"):
        return None
    item = next((e for e in application.evidence if e.id == int(evidence_id)), None)
    return None if item is None else (item, answer == "yes")


def _review_page(review: Review, form: ReviewForm, *, writable: bool, status: int):
    """The review form; once submitted, with the panel's other submitted reviews beside it."""
    application = review.application
    others = (
        [r for r in application.submitted_reviews if r is not review]
        if review.state == ReviewState.submitted else []
    )
    return render_template("assessments/review.html", review=review, application=application,
                           criteria=application.competition.rubric_version.criteria, form=form,
                           writable=writable, other_reviews=others, conflict_form=ConflictForm(),
                           post_form=PostForm(), action_form=ActionForm(),
                           can_discuss=can_discuss(current_user, application)), status


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def review(review_id: int):
    review = get_review_or_404(review_id, check=is_reviewer_of)
    writable = can_write_review(current_user, review)
    if request.method == "POST" and not writable:
        abort(403)
    criteria = review.application.competition.rubric_version.criteria
    form = _review_form(review, criteria)
    # "Mark verified" inside the review form: the draft as typed is saved with the check, so
    # nothing typed before the click is lost.
    evidence_check = _evidence_check_in(request.form, review.application) if writable else None
    if request.method == "POST" and request.form.get("autosave"):
        return background_save(form, lambda: save_review(
            review, _scores_from(form, criteria), submit=False,
            expected_version=form.version.data, by=current_user),
            version=lambda: review.version)
    if writable and form.validate_on_submit():
        submit = bool(form.submit.data) and evidence_check is None
        if submit and not form.submit_confirmed():
            return _review_page(review, form, writable=True, status=422)

        def save():
            save_review(review, _scores_from(form, criteria), submit=submit,
                        expected_version=form.version.data, by=current_user)
            if evidence_check is not None:
                item, verified = evidence_check
                evidence.record_check(review, item, verified, by=current_user)

        if evidence_check is not None:
            success = _("Draft saved and the evidence check recorded.")
            back = url_for(".review", review_id=review.id,
                           _anchor=f"criterion-{evidence_check[0].criterion.code}")
        else:
            success = _("Review submitted.") if submit else _("Draft saved.")
            back = url_for(".review", review_id=review.id)
        return run_operation(
            save, success=success, redirect_to=back,
            on_failure=lambda: _review_page(review, form, writable=True, status=422))
    return _review_page(review, form, writable=writable,
                        status=422 if request.method == "POST" else 200)


@bp.post("/reviews/<int:review_id>/conflict")
@login_required
def declare_conflict_view(review_id: int):
    review = get_review_or_404(review_id, check=is_reviewer_of)
    form = ConflictForm()
    return run_posted_form(
        form, lambda: declare_conflict(review, form.reason.data, by=current_user),
        success=_("Thank you: the application will be given to another reviewer."),
        back=url_for(".review", review_id=review.id), redirect_to=url_for(".review_queue"))


@bp.post("/reviews/<int:review_id>/reopen")
@login_required
def reopen_review_view(review_id: int):
    review = get_review_or_404(review_id, check=can_reopen_review)
    return run_action(
        lambda: reopen_review(review, by=current_user),
        success=_("Your review is open again; the submitted version is kept. Submit it when "
                  "done."),
        redirect_to=url_for(".review", review_id=review.id))


@bp.post("/applications/<int:application_id>/discussion")
@login_required
def discuss(application_id: int):
    application = get_application_or_404(application_id, check=can_discuss)
    own_review = application.review_by(current_user)
    back = (url_for(".review", review_id=own_review.id, _anchor="discussion")
            if request.form.get("back") == "review" and own_review else
            url_for(".manage_application", application_id=application.id, _anchor="discussion"))
    form = PostForm()
    return run_posted_form(
        form, lambda: post_to_discussion(application, form.body.data, by=current_user),
        back=back)
