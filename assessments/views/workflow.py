"""Routes of the workflow: load → check access → validate → operation → commit once."""

from __future__ import annotations

from datetime import UTC

import pandas as pd
import sqlalchemy as sa
from flask import (
    Response,
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
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from assessments import analytics as analytics_module
from assessments import charts, evidence, scoring
from assessments.analytics import competition_figures, panel_figures, panel_result
from assessments.assignment import active_reviewers, competition_load, conflicted_pairs, why_not
from assessments.blueprint import bp
from assessments.forms import (
    REVISE,
    AppealForm,
    ApplicationForm,
    ApplyForm,
    AssignForm,
    CompetitionForm,
    ConflictForm,
    DecisionForm,
    EvidenceForm,
    InterviewForm,
    ModerationForm,
    PostForm,
    ResolveAppealForm,
    ReturnForm,
    ReviewForm,
    WithdrawForm,
)
from assessments.models import (
    Application,
    ApplicationState,
    Competition,
    CompetitionState,
    Evidence,
    Outcome,
    Review,
    ReviewState,
)
from assessments.operations import (
    AnswerInput,
    CompetitionInput,
    ScoreInput,
    WorkflowError,
    assign_reviewer,
    auto_assign,
    can_appeal,
    check_eligibility,
    decide,
    declare_conflict,
    lodge_appeal,
    moderate,
    open_competitions,
    post_to_discussion,
    record_interview,
    reopen_review,
    request_revision,
    resolve_appeal,
    return_application,
    save_answers,
    save_competition,
    save_review,
    start_application,
    submit_application,
    withdraw_application,
)
from assessments.permissions import (
    analytics_branches,
    can_apply,
    can_discuss,
    can_edit_application,
    can_manage_application,
    can_manage_competitions,
    can_view_application,
    can_view_reports,
    can_view_result,
    can_write_review,
    is_staff,
)
from certify.core import tabular as exports
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.views import flash_form_errors
from certify.users.models import Branch, Role, User
from certify.users.operations import active_branches
from rubrics.models import RubricVersion, VersionState


def _flash_problems(error: WorkflowError) -> None:
    for problem in error.problems:
        flash(problem, "error")


def _attempt(operation, success: str | None = None) -> bool:
    """Run the request's operation: commit and say so, or roll back and say why not."""
    try:
        operation()
    except WorkflowError as error:
        db.session.rollback()
        _flash_problems(error)
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True


# Competitions ---------------------------------------------------------------------------------


@bp.get("/competitions/")
def competitions():
    return render_template("assessments/competitions.html", competitions=open_competitions())


@bp.get("/competitions/<int:competition_id>")
def competition(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if competition.state == CompetitionState.draft and not is_staff(current_user):
        abort(404)
    own = None
    if current_user.is_authenticated:
        own = next((a for a in competition.applications if a.candidate_id == current_user.id),
                   None)
    return render_template(
        "assessments/competition.html",
        competition=competition,
        own_application=own,
        can_apply=own is None and can_apply(current_user, competition),
        apply_form=ApplyForm(),
    )


@bp.post("/competitions/<int:competition_id>/apply")
@login_required
def apply(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if not current_user.has_role(Role.candidate):
        abort(403)
    if not ApplyForm().validate_on_submit():
        abort(400)
    try:
        application = start_application(competition, current_user)
    except WorkflowError as error:
        db.session.rollback()
        _flash_problems(error)
        return redirect(url_for(".competition", competition_id=competition.id))
    db.session.commit()
    flash(_("Your application has been started. It is saved as a draft until you submit it."),
          "success")
    return redirect(url_for(".application", application_id=application.id))


# Applications (candidate) ---------------------------------------------------------------------


@bp.get("/applications/")
@login_required
def my_applications():
    applications = db.session.scalars(
        sa.select(Application)
        .where(Application.candidate_id == current_user.id)
        .order_by(Application.created_at.desc())
    ).all()
    return render_template("assessments/my_applications.html", applications=applications)


def _answers_from(form: ApplicationForm, criteria) -> dict[int, AnswerInput]:
    return {
        criterion.id: AnswerInput(level=entry.form.level.data,
                                  narrative=entry.form.narrative.data or "")
        for entry, criterion in zip(form.answers, criteria, strict=False)
    }


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def application(application_id: int):
    application = db.get_or_404(Application, application_id)
    if not can_view_application(current_user, application):
        abort(403)
    criteria = application.competition.rubric_version.criteria
    editable = can_edit_application(current_user, application)
    if request.method == "POST" and not editable:
        abort(403)
    if request.method == "GET":
        form = ApplicationForm(
            data={
                "version": application.version,
                "eligibility_confirmed": application.eligibility_confirmed,
                "answers": [
                    {"level": (a := application.answer_for(c)) and a.level,
                     "narrative": a.narrative if a else ""}
                    for c in criteria
                ],
            }
        )
    else:
        form = ApplicationForm()
    form.bind_criteria(criteria)

    if editable and form.validate_on_submit():
        try:
            save_answers(
                application,
                _answers_from(form, criteria),
                eligibility_confirmed=form.eligibility_confirmed.data,
                expected_version=form.version.data,
            )
            if form.submit.data:
                submit_application(application, by=current_user)
            db.session.commit()
        except (WorkflowError, StaleDataError) as error:
            db.session.rollback()
            if isinstance(error, StaleDataError):
                flash(_("This application was changed elsewhere. Reload and try again."), "error")
            else:
                _flash_problems(error)
            return render_template("assessments/application.html", application=application,
                                   criteria=criteria, form=form, editable=True,
                                   evidence_form=EvidenceForm()), 422
        if form.submit.data:
            flash(_("Your application has been submitted. It can no longer be changed."),
                  "success")
        else:
            flash(_("Draft saved."), "success")
        return redirect(url_for(".application", application_id=application.id))
    status = 422 if request.method == "POST" else 200
    return render_template("assessments/application.html", application=application,
                           criteria=criteria, form=form, editable=editable,
                           withdraw_form=WithdrawForm(), evidence_form=EvidenceForm(),
                           appeal_form=AppealForm(),
                           may_appeal=application.candidate_id == current_user.id
                           and can_appeal(application)), status


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    application = db.get_or_404(Application, application_id)
    if application.candidate_id != current_user.id:
        abort(403)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    _attempt(lambda: withdraw_application(application, by=current_user),
             _("Your application has been withdrawn."))
    return redirect(url_for(".application", application_id=application.id))


# Reviews (reviewer) ---------------------------------------------------------------------------


@bp.get("/reviews/")
@login_required
def review_queue():
    if not current_user.has_role(Role.reviewer):
        abort(403)
    # One statement per table, however long the queue: the page lists every assignment.
    application = selectinload(Review.application)
    reviews = db.session.scalars(
        sa.select(Review).where(Review.reviewer_id == current_user.id).order_by(Review.assigned_at)
        .options(application.joinedload(Application.competition),
                 application.selectinload(Application.candidate))
    ).all()
    return render_template("assessments/review_queue.html", reviews=reviews)


def _scores_from(form: ReviewForm, criteria) -> dict[int, ScoreInput]:
    return {
        criterion.id: ScoreInput(level=entry.form.level.data, comment=entry.form.comment.data or "")
        for entry, criterion in zip(form.scores, criteria, strict=False)
    }


def _evidence_check_in(form_data, application) -> tuple[Evidence, bool] | None:
    """The evidence a "Mark (not) verified" button of the review form names, if one was
    pressed: ``check_evidence=<evidence id>:yes|no``; an unknown or foreign id is ignored."""
    evidence_id, _sep, answer = (form_data.get("check_evidence") or "").partition(":")
    if not evidence_id.isdigit() or answer not in ("yes", "no"):
        return None
    item = db.session.get(Evidence, int(evidence_id))
    if item is None or item.application_id != application.id:
        return None
    return item, answer == "yes"


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def review(review_id: int):
    review = db.get_or_404(Review, review_id)
    if review.reviewer_id != current_user.id:
        abort(403)
    application = review.application
    criteria = application.competition.rubric_version.criteria
    writable = can_write_review(current_user, review)
    if request.method == "POST" and not writable:
        abort(403)
    if request.method == "GET":
        form = ReviewForm(data={
            "version": review.version,
            "scores": [{"level": (s := review.score_for(c)) and s.level,
                        "comment": s.comment if s else ""} for c in criteria],
        })
    else:
        form = ReviewForm()
    form.bind_criteria(criteria)

    # "Mark verified" inside the review form: the draft as typed is saved with the check, so
    # nothing typed before the click is lost.
    evidence_check = _evidence_check_in(request.form, application) if writable else None
    if writable and form.validate_on_submit():
        try:
            save_review(review, _scores_from(form, criteria), submit=bool(form.submit.data),
                        expected_version=form.version.data, by=current_user)
            if evidence_check is not None:
                item, verified = evidence_check
                evidence.record_check(review, item, verified, by=current_user)
            db.session.commit()
        except (WorkflowError, StaleDataError) as error:
            db.session.rollback()
            if isinstance(error, StaleDataError):
                flash(_("This review was changed elsewhere. Reload and try again."), "error")
            else:
                _flash_problems(error)
            return _review_page(review, form, writable=True, status=422)
        if evidence_check is not None:
            flash(_("Draft saved and the evidence check recorded."), "success")
            return redirect(url_for(".review", review_id=review.id,
                                    _anchor=f"criterion-{evidence_check[0].criterion.code}"))
        flash(_("Review submitted.") if form.submit.data else _("Draft saved."), "success")
        return redirect(url_for(".review", review_id=review.id))
    return _review_page(review, form, writable=writable,
                        status=422 if request.method == "POST" else 200)


def _review_page(review: Review, form: ReviewForm, *, writable: bool, status: int):
    """The review form; once submitted, with the panel's other submitted reviews beside it."""
    application = review.application
    others = (
        [r for r in application.submitted_reviews if r.id != review.id]
        if review.state == ReviewState.submitted else []
    )
    return render_template("assessments/review.html", review=review, application=application,
                           criteria=application.competition.rubric_version.criteria, form=form,
                           writable=writable, other_reviews=others, conflict_form=ConflictForm(),
                           post_form=PostForm(), action_form=ApplyForm(),
                           can_discuss=can_discuss(current_user, application)), status


# Management (administrators and coordinators) -------------------------------------------------


@bp.get("/manage/applications/")
@login_required
def manage_applications():
    if not is_staff(current_user):
        abort(403)
    query = (
        sa.select(Application)
        .where(Application.state.not_in([ApplicationState.draft, ApplicationState.withdrawn]))
        .order_by(Application.submitted_at.desc())
        # One statement per table, however many applications the list shows.
        .options(joinedload(Application.competition), joinedload(Application.branch),
                 selectinload(Application.candidate), selectinload(Application.decision),
                 selectinload(Application.reviews))
    )
    if not current_user.is_admin:
        query = query.where(Application.branch_id.in_(current_user.coordinated_branch_ids))
    return render_template("assessments/manage_applications.html",
                           applications=db.session.scalars(query).all())


def _reviewer_choices(application: Application) -> list[SelectChoice]:
    """Reviewers who may take this application, with their load in the competition."""
    competition = application.competition
    load = competition_load(competition)
    conflicts = conflicted_pairs([application.id])
    return [
        SelectChoice(r.id, _("%(name)s (%(affiliation)s) — %(load)d of %(limit)d",
                             name=r.full_name, affiliation=r.affiliation, load=load[r.id],
                             limit=competition.max_reviews_per_reviewer))
        for r in sorted(active_reviewers(), key=lambda r: (load[r.id], r.full_name))
        if not why_not(r, application, conflicts)
    ]


def _manage_page(application: Application, assign_form=None, decision_form=None,
                 return_form=None, interview_form=None, status=200):
    assign_form = assign_form or AssignForm()
    assign_form.reviewer.choices = _reviewer_choices(application)
    return render_template(
        "assessments/manage_application.html",
        application=application,
        criteria=application.competition.rubric_version.criteria,
        figures=panel_result(application),
        assign_form=assign_form,
        decision_form=decision_form or DecisionForm(),
        return_form=return_form or ReturnForm(),
        action_form=ApplyForm(),
        post_form=PostForm(),
        interview_form=interview_form or InterviewForm(),
        moderation_form=ModerationForm(),
        resolve_form=ResolveAppealForm(),
    ), status


def _managed_application(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    if not can_manage_application(current_user, application):
        abort(403)
    if application.state == ApplicationState.draft:
        abort(404)  # drafts are the candidate's own until submitted
    return application


@bp.get("/manage/applications/<int:application_id>")
@login_required
def manage_application(application_id: int):
    return _manage_page(_managed_application(application_id))


@bp.post("/manage/applications/<int:application_id>/assign")
@login_required
def assign(application_id: int):
    application = _managed_application(application_id)
    form = AssignForm()
    form.reviewer.choices = _reviewer_choices(application)
    if not form.validate_on_submit():
        return _manage_page(application, assign_form=form, status=422)
    try:
        review = assign_reviewer(application, db.session.get(User, form.reviewer.data),
                                 by=current_user)
    except WorkflowError as error:
        db.session.rollback()
        _flash_problems(error)
        return _manage_page(application, assign_form=form, status=422)
    db.session.commit()
    flash(_("%(name)s assigned as reviewer.", name=review.reviewer.full_name), "success")
    return redirect(url_for(".manage_application", application_id=application.id))


@bp.post("/manage/applications/<int:application_id>/decide")
@login_required
def decide_application(application_id: int):
    application = _managed_application(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _manage_page(application, decision_form=form, status=422)
    try:
        if form.outcome.data == REVISE:
            request_revision(application, form.reason.data, by=current_user)
        else:
            decide(application, Outcome(form.outcome.data), form.reason.data, by=current_user)
    except WorkflowError as error:
        db.session.rollback()
        _flash_problems(error)
        return _manage_page(application, decision_form=form, status=422)
    db.session.commit()
    flash(_("Decision recorded."), "success")
    return redirect(url_for(".manage_application", application_id=application.id))


@bp.get("/manage/competitions/")
@login_required
def manage_competitions():
    if not is_staff(current_user):
        abort(403)
    competitions = db.session.scalars(
        sa.select(Competition).order_by(Competition.opens_at.desc())
    ).all()
    return render_template("assessments/manage_competitions.html", competitions=competitions,
                           assign_form=ApplyForm())


def _competition_form(competition: Competition | None = None) -> CompetitionForm:
    versions = db.session.scalars(
        sa.select(RubricVersion)
        .where(RubricVersion.state == VersionState.published)
        .order_by(RubricVersion.rubric_id, RubricVersion.number)
    ).all()
    data = None
    if competition is not None and request.method == "GET":
        data = {
            "title_en": competition.title.get("en"), "title_ru": competition.title.get("ru"),
            "title_kk": competition.title.get("kk"),
            "eligibility_en": competition.eligibility_note.get("en"),
            "eligibility_ru": competition.eligibility_note.get("ru"),
            "eligibility_kk": competition.eligibility_note.get("kk"),
            "rubric_version": competition.rubric_version_id, "state": competition.state,
            "opens_at": _naive_utc(competition.opens_at),
            "closes_at": _naive_utc(competition.closes_at),
            "review_deadline": _naive_utc(competition.review_deadline),
            "min_reviewers": competition.min_reviewers,
            "max_reviews_per_reviewer": competition.max_reviews_per_reviewer,
            "blind_review": competition.blind_review,
            "branches": [b.id for b in competition.branches],
        }
    return CompetitionForm(data=data, versions=versions, branches=active_branches())


def _naive_utc(value):
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


def _aware_utc(value):
    return value.replace(tzinfo=UTC) if value else None


def _competition_input(form: CompetitionForm) -> CompetitionInput:
    return CompetitionInput(
        title={"en": form.title_en.data, "ru": form.title_ru.data, "kk": form.title_kk.data},
        eligibility_note={language: text for language, text in (
            ("en", form.eligibility_en.data), ("ru", form.eligibility_ru.data),
            ("kk", form.eligibility_kk.data)) if text},
        rubric_version=db.session.get(RubricVersion, form.rubric_version.data),
        state=CompetitionState(form.state.data),
        opens_at=_aware_utc(form.opens_at.data),
        closes_at=_aware_utc(form.closes_at.data),
        review_deadline=_aware_utc(form.review_deadline.data),
        min_reviewers=form.min_reviewers.data,
        max_reviews_per_reviewer=form.max_reviews_per_reviewer.data,
        blind_review=form.blind_review.data,
        branches=[db.session.get(Branch, branch_id) for branch_id in form.branches.data],
    )


@bp.route("/manage/competitions/new", methods=["GET", "POST"])
@login_required
def create_competition():
    if not can_manage_competitions(current_user):
        abort(403)
    form = _competition_form()
    if form.validate_on_submit():
        try:
            competition = save_competition(None, _competition_input(form), by=current_user)
        except WorkflowError as error:
            db.session.rollback()
            _flash_problems(error)
        else:
            db.session.commit()
            flash(_("Competition saved."), "success")
            return redirect(url_for(".competition", competition_id=competition.id))
    status = 422 if request.method == "POST" else 200
    return render_template("assessments/competition_form.html", form=form,
                           competition=None), status


@bp.route("/manage/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@login_required
def edit_competition(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if not can_manage_competitions(current_user):
        abort(403)
    form = _competition_form(competition)
    saved = form.validate_on_submit() and _attempt(
        lambda: save_competition(competition, _competition_input(form), by=current_user),
        _("Competition saved."))
    if saved:
        return redirect(url_for(".competition", competition_id=competition.id))
    status = 422 if request.method == "POST" else 200
    return render_template("assessments/competition_form.html", form=form,
                           competition=competition), status


# Results, analytics and reports -----------------------------------------------------------------


@bp.get("/applications/<int:application_id>/result")
@login_required
def result(application_id: int):
    application = db.get_or_404(Application, application_id)
    if not can_view_result(current_user, application):
        abort(403)
    criteria = application.competition.rubric_version.criteria
    figures = panel_figures(application)
    table = figures.table
    rows = []
    for criterion in criteria:
        answer = application.answer_for(criterion)
        has_panel = criterion.id in table.index
        rows.append({
            "criterion": criterion,
            "self": answer.level if answer else None,
            "panel": float(table.loc[criterion.id, "mean"]) if has_panel else None,
            "gap": float(table.loc[criterion.id, "gap"]) if has_panel and not pd.isna(
                table.loc[criterion.id, "gap"]) else None,
            "claim": table.loc[criterion.id, "claim"] if has_panel else "",
        })
    max_level = max((c.max_level for c in criteria), default=4)
    chart = charts.radar(
        [c.code for c in criteria], [r["panel"] for r in rows], [r["self"] for r in rows],
        max_level=max_level, panel_label=_("Panel (mean of reviewers)"),
        self_label=_("Self-assessment"),
    ) if criteria else None
    # Reviewers are shown as "Reviewer 1", "Reviewer 2": the candidate sees what was said,
    # not who said it.
    reviewers = list(enumerate(application.submitted_reviews, start=1))
    return render_template(
        "assessments/result.html", application=application, rows=rows,
        result=figures.result, chart=charts.data_uri(chart) if chart else None,
        reviewers=reviewers,
    )


def _analytics_scope(competition_id: int) -> tuple[Competition, set[int] | None]:
    competition = db.get_or_404(Competition, competition_id)
    branches = analytics_branches(current_user, competition)
    if branches is False:
        abort(403)
    return competition, branches


@bp.get("/manage/competitions/<int:competition_id>/analytics")
@login_required
def analytics(competition_id: int):
    competition, branches = _analytics_scope(competition_id)
    figures = competition_figures(competition, branches)
    criteria = competition.rubric_version.criteria
    max_level = max((c.max_level for c in criteria), default=4)
    people = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_(list(figures.load.index)
                                          + list(figures.severity.index))))}
    applications = {a.id: a for a in competition.applications}
    histogram = box_plots = None
    if not figures.results.empty:
        scores = figures.results["score"].dropna()
        histogram = charts.data_uri(charts.histogram(
            scores.tolist(), threshold=competition.rubric_version.pass_threshold,
            xlabel=_("Weighted score (%)"), ylabel=_("Applications"),
            threshold_label=_("Pass threshold")))
        by_criterion = figures.ratings.groupby("criterion_id")["level"]
        box_plots = charts.data_uri(charts.box_plots(
            [c.code for c in criteria],
            [by_criterion.get_group(c.id).tolist() if c.id in by_criterion.groups else []
             for c in criteria],
            max_level=max_level, ylabel=_("Level")))
    return render_template(
        "assessments/analytics.html", competition=competition, figures=figures,
        criteria=criteria, people=people, applications=applications, histogram=histogram,
        box_plots=box_plots, scoped=branches is not None,
        codes={c.id: c.code for c in criteria},
    )


EXPORT_KINDS = ("ratings", "panel", "results")


def _export_frame(competition: Competition, branches, kind: str) -> pd.DataFrame:
    figures = competition_figures(competition, branches)
    codes = figures.criteria.set_index("criterion_id")["code"]
    if kind == "ratings":
        frame = figures.ratings.copy()
    elif kind == "panel":
        frame = figures.panel.reset_index() if not figures.panel.empty else pd.DataFrame(
            columns=["assessment_id", "criterion_id", *scoring.PANEL_COLUMNS])
    else:
        frame = figures.results.reset_index() if not figures.results.empty else pd.DataFrame(
            columns=["assessment_id", *scoring.RESULT_COLUMNS])
    if "criterion_id" in frame.columns:
        frame.insert(frame.columns.get_loc("criterion_id") + 1, "criterion_code",
                     frame["criterion_id"].map(codes))
    return frame


@bp.get("/manage/competitions/<int:competition_id>/export/<kind>.<fmt>")
@login_required
def export(competition_id: int, kind: str, fmt: str):
    competition, branches = _analytics_scope(competition_id)
    if kind not in EXPORT_KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    frame = _export_frame(competition, branches, kind)
    filename = f"competition-{competition.id}-{kind}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(frame), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx({kind: frame})
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report_scope() -> tuple[int, set[int] | None]:
    if not can_view_reports(current_user):
        abort(403)
    year = request.args.get("year", type=int) or utcnow().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year, None if current_user.is_admin else current_user.coordinated_branch_ids


@bp.get("/manage/reports/annual")
@login_required
def annual_report():
    year, branches = _report_scope()
    return render_template("assessments/annual_report.html", year=year,
                           report=analytics_module.annual_report(year, branches),
                           scoped=branches is not None)


@bp.get("/manage/reports/annual.xlsx")
@login_required
def annual_report_xlsx():
    year, branches = _report_scope()
    report = analytics_module.annual_report(year, branches)
    body = exports.to_xlsx({f"{name} {year}": frame for name, frame in report.items()})
    return Response(body,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="certify-annual-report-{year}.xlsx"'})


@bp.post("/manage/competitions/<int:competition_id>/assign")
@login_required
def auto_assign_view(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if not can_manage_competitions(current_user):
        abort(403)
    if not ApplyForm().validate_on_submit():
        abort(400)
    plan = auto_assign(competition, by=current_user)
    db.session.commit()
    flash(_("%(count)d reviewers assigned.", count=len(plan.pairs)), "success")
    if plan.short:
        flash(_("%(count)d applications still lack reviewers: no eligible reviewer has room "
                "left. Add reviewers or raise the per-reviewer maximum.",
                count=len(plan.short)), "error")
    return redirect(url_for(".manage_competitions"))


@bp.post("/reviews/<int:review_id>/conflict")
@login_required
def declare_conflict_view(review_id: int):
    review = db.get_or_404(Review, review_id)
    if review.reviewer_id != current_user.id:
        abort(403)
    form = ConflictForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".review", review_id=review.id))
    try:
        declare_conflict(review, form.reason.data, by=current_user)
    except WorkflowError as error:
        db.session.rollback()
        _flash_problems(error)
        return redirect(url_for(".review", review_id=review.id))
    db.session.commit()
    flash(_("Thank you: the application will be given to another reviewer."), "success")
    return redirect(url_for(".review_queue"))


# Evidence ---------------------------------------------------------------------------------------


@bp.post("/applications/<int:application_id>/evidence")
@login_required
def add_evidence(application_id: int):
    application = db.get_or_404(Application, application_id)
    if not can_edit_application(current_user, application):
        abort(403)
    form = EvidenceForm()
    criteria = application.competition.rubric_version.criteria
    if not form.validate_on_submit() or not 0 <= form.criterion.data < len(criteria):
        flash(_("The evidence could not be added: check the form."), "error")
        return redirect(url_for(".application", application_id=application.id))
    criterion = criteria[form.criterion.data]
    upload = form.file.data
    try:
        if upload and upload.filename:
            data = upload.stream.read(current_app.config["MAX_FILE_BYTES"] + 1)
            evidence.add_file(application, criterion, data, upload.filename, form.title.data,
                              by=current_user)
        elif form.url.data:
            evidence.add_link(application, criterion, form.url.data, form.title.data,
                              by=current_user)
        else:
            raise WorkflowError(_("Choose a file or give a link."))
    except WorkflowError as error:
        db.session.rollback()
        for problem in error.problems:
            flash(f"{criterion.code}: {problem}", "error")
    else:
        db.session.commit()
        flash(_("%(code)s: evidence added.", code=criterion.code), "success")
    return redirect(url_for(".application", application_id=application.id,
                            _anchor=f"criterion-{criterion.code}"))


@bp.post("/evidence/<int:evidence_id>/delete")
@login_required
def delete_evidence(evidence_id: int):
    item = db.get_or_404(Evidence, evidence_id)
    if not can_edit_application(current_user, item.application):
        abort(403)
    if not ApplyForm().validate_on_submit():
        abort(400)
    application_id = item.application_id
    _attempt(lambda: evidence.remove(item, by=current_user), _("Evidence removed."))
    return redirect(url_for(".application", application_id=application_id))


@bp.get("/evidence/<int:evidence_id>")
@login_required
def download_evidence(evidence_id: int):
    """Only to the candidate, the assigned reviewers and staff in scope; always as a download,
    with its checked type and no sniffing, so nothing uploaded runs in our pages."""
    item = db.get_or_404(Evidence, evidence_id)
    if item.kind != "file" or not can_view_application(current_user, item.application):
        abort(404)
    blind = (item.application.competition.blind_review
             and item.application.candidate_id != current_user.id
             and not can_manage_application(current_user, item.application))
    extension = item.content_type and {
        "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
    }.get(item.content_type, ".docx" if "word" in item.content_type else ".xlsx")
    name = f"evidence-{item.id}{extension}" if blind else item.title
    if not name.lower().endswith(extension):
        name += extension
    response = send_file(evidence.stored_path(item), mimetype=item.content_type,
                         as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/manage/applications/<int:application_id>/check")
@login_required
def check_eligibility_view(application_id: int):
    application = _managed_application(application_id)
    if not ApplyForm().validate_on_submit():
        abort(400)
    _attempt(lambda: check_eligibility(application, by=current_user),
             _("Eligibility confirmed: reviewers can now be assigned."))
    return redirect(url_for(".manage_application", application_id=application.id))


@bp.post("/manage/applications/<int:application_id>/return")
@login_required
def return_application_view(application_id: int):
    application = _managed_application(application_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _manage_page(application, return_form=form, status=422)
    try:
        return_application(application, form.message.data, by=current_user)
    except WorkflowError as error:
        db.session.rollback()
        _flash_problems(error)
        return _manage_page(application, return_form=form, status=422)
    db.session.commit()
    flash(_("The application was returned to the candidate."), "success")
    return redirect(url_for(".manage_applications"))


# Discussion and revision -------------------------------------------------------------------------


@bp.post("/reviews/<int:review_id>/reopen")
@login_required
def reopen_review_view(review_id: int):
    review = db.get_or_404(Review, review_id)
    if review.reviewer_id != current_user.id or not current_user.has_role(Role.reviewer):
        abort(403)
    if not ApplyForm().validate_on_submit():
        abort(400)
    _attempt(lambda: reopen_review(review, by=current_user),
             _("Your review is open again; the submitted version is kept. Submit it when "
               "done."))
    return redirect(url_for(".review", review_id=review.id))


@bp.post("/applications/<int:application_id>/discussion")
@login_required
def discuss(application_id: int):
    application = db.get_or_404(Application, application_id)
    if not can_discuss(current_user, application):
        abort(403)
    form = PostForm()
    back = request.form.get("back")
    own_review = next((r for r in application.reviews if r.reviewer_id == current_user.id),
                      None)
    target = (url_for(".review", review_id=own_review.id, _anchor="discussion")
              if back == "review" and own_review else
              url_for(".manage_application", application_id=application.id,
                      _anchor="discussion"))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    _attempt(lambda: post_to_discussion(application, form.body.data, by=current_user))
    return redirect(target)


# Interview and appeals ----------------------------------------------------------------------------


@bp.post("/manage/applications/<int:application_id>/interview")
@login_required
def interview(application_id: int):
    application = _managed_application(application_id)
    form = InterviewForm()
    if not form.validate_on_submit():
        return _manage_page(application, interview_form=form, status=422)
    if _attempt(lambda: record_interview(application, held_on=form.held_on.data,
                                         panel=form.panel.data, outcome=form.outcome.data,
                                         notes=form.notes.data, by=current_user),
                _("Interview recorded.")):
        return redirect(url_for(".manage_application", application_id=application.id))
    return _manage_page(application, interview_form=form, status=422)


@bp.post("/applications/<int:application_id>/appeal")
@login_required
def appeal(application_id: int):
    application = db.get_or_404(Application, application_id)
    if application.candidate_id != current_user.id:
        abort(403)
    form = AppealForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        _attempt(lambda: lodge_appeal(application, form.grounds.data, by=current_user),
                 _("Your appeal has been lodged. You will be told of its outcome."))
    return redirect(url_for(".application", application_id=application.id))


@bp.post("/manage/appeals/<int:appeal_id>")
@login_required
def resolve_appeal_view(appeal_id: int):
    from assessments.models import Appeal

    item = db.get_or_404(Appeal, appeal_id)
    application = _managed_application(item.application_id)
    form = ResolveAppealForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        _attempt(lambda: resolve_appeal(item, reopen=form.resolution.data == "reopen",
                                        resolution=form.reason.data, by=current_user),
                 _("Appeal resolved."))
    return redirect(url_for(".manage_application", application_id=application.id))


@bp.post("/manage/applications/<int:application_id>/moderate")
@login_required
def moderate_view(application_id: int):
    application = _managed_application(application_id)
    form = ModerationForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        _attempt(lambda: moderate(application, confirm=form.verdict.data == "confirm",
                                  note=form.note.data, by=current_user),
                 _("Second check recorded."))
    return redirect(url_for(".manage_application", application_id=application.id))


@bp.get("/applications/<int:application_id>/feedback.csv")
@login_required
def feedback_csv(application_id: int):
    """The per-criterion feedback as a spreadsheet: self level, panel mean and what each
    (anonymous) reviewer gave and wrote."""
    application = db.get_or_404(Application, application_id)
    if not can_view_result(current_user, application):
        abort(403)
    table = panel_figures(application).table
    reviews = application.submitted_reviews
    rows = []
    for criterion in application.competition.rubric_version.criteria:
        answer = application.answer_for(criterion)
        row = {
            "criterion_code": criterion.code,
            "criterion": localized(criterion.title),
            "weight_percent": round(criterion.weight_percent(), 1),
            "self_level": answer.level if answer else None,
            "panel_mean": round(float(table.loc[criterion.id, "mean"]), 2)
            if criterion.id in table.index else None,
        }
        for number, review in enumerate(reviews, start=1):
            score = review.score_for(criterion)
            row[f"reviewer_{number}_level"] = score.level if score else None
            row[f"reviewer_{number}_comment"] = score.comment if score else ""
        rows.append(row)
    body = exports.to_csv(pd.DataFrame(rows))
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="feedback-{application.id}.csv"'})
