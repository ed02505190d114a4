"""Management by administrators and coordinators: the applications in their scope (check,
return, assign, interview, decide, second check, appeals) and the competitions."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from assessments.analytics import panel_figures
from assessments.assignment import eligible_reviewers, is_specialist, open_review_counts
from assessments.blueprint import bp
from assessments.forms import (
    REVISE,
    AssignForm,
    CompetitionForm,
    ConflictForm,
    DecisionForm,
    ModerationForm,
    PostForm,
    ResolveAppealForm,
    ReturnForm,
    ReviewerFilterForm,
    interview_form,
)
from assessments.interviews import findings_of, interview_at_decision, probed_criteria
from assessments.lists import competitions_page, managed_applications
from assessments.models import Application, Competition, Review
from assessments.operations import (
    CompetitionInput,
    FindingInput,
    assign_reviewer,
    auto_assign,
    check_eligibility,
    decide,
    declare_staff_conflict,
    moderate,
    record_interview,
    request_revision,
    resolve_appeal,
    return_application,
    save_competition,
)
from assessments.permissions import (
    can_decide,
    can_manage_competitions,
    can_moderate,
    can_resolve_appeal,
    is_staff,
    own_review_pending,
)
from assessments.queries import (
    published_versions,
    signed_competition_ids,
)
from assessments.reviewers.forms import SpecialismForm
from assessments.states import CompetitionState, InterviewOutcome, Outcome
from assessments.views.list_filters import application_filters, competition_filters
from assessments.views.loaders import (
    get_appeal_or_404,
    get_competition_or_404,
    managed_application_or_404,
    require_declaration,
)
from certify.core.extensions import db
from certify.core.forms import ActionForm, require_action_form
from certify.core.views import attempt, run_action, run_operation, run_posted_form
from certify.users.models import Branch, User
from certify.users.operations import active_branches
from certify.users.specialisms import specialism_title
from rubrics.models import RubricVersion

# Applications -----------------------------------------------------------------------------------


@bp.get("/manage/applications/")
@login_required
def manage_applications():
    if not is_staff(current_user):
        abort(403)
    # A file's candidate is named only once its competition's declaration is signed (§6.1-6.2).
    signed = signed_competition_ids(current_user)
    return render_template("assessments/manage_applications.html",
                           applications=managed_applications(current_user, signed),
                           signed=signed, controls=application_filters(current_user))


def _reviewer_choices(application: Application, filters: dict | None = None
                      ) -> list[SelectChoice]:
    """Reviewers who may take this application (narrowed by the page's filters), with their
    load in the competition, their open reviews against the most they accept, and whether
    they share the file's specialism."""
    limit = application.competition.max_reviews_per_reviewer
    reviewers = eligible_reviewers(application, **(filters or {}))
    open_reviews = open_review_counts([reviewer.id for reviewer, _load in reviewers])
    choices = []
    for reviewer, load in reviewers:
        profile = reviewer.reviewer_profile
        most = profile.max_open_reviews if profile and profile.max_open_reviews else None
        label = _("%(name)s (%(affiliation)s) — %(load)d of %(limit)d here; open reviews: "
                  "%(open)d of %(most)s", name=reviewer.full_name,
                  affiliation=reviewer.affiliation or "—", load=load, limit=limit,
                  open=open_reviews[reviewer.id], most=most or "—")
        if is_specialist(reviewer, application.specialism):
            label = _("%(label)s · specialist", label=label)
        choices.append(SelectChoice(reviewer.id, label))
    return choices


def _probed_codes(application: Application) -> list[str]:
    return [criterion.code
            for criterion, _questions in probed_criteria(application.competition.rubric_version)]


def _interview_form_as_recorded(application: Application):
    """The interview form, filled from the recorded interview when there is one (to correct
    it), empty otherwise."""
    codes = _probed_codes(application)
    recorded = application.interview
    if recorded is None:
        return interview_form(codes)
    by_code = {f.criterion.code: f for f in findings_of(recorded).values()}
    data = {"held_on": recorded.held_on, "panel": recorded.panel, "notes": recorded.notes,
            "outcome": recorded.outcome.value}
    for index, code in enumerate(codes):
        if code in by_code:
            data |= {f"finding_{index}": by_code[code].outcome.value,
                     f"note_{index}": by_code[code].note}
    return interview_form(codes, data=data)


def _load_reviews(application: Application) -> None:
    """The application's reviews with what the page shows of each (levels, revisions, the
    reviewer and their roles): a statement per kind, not one per review."""
    db.session.scalars(
        sa.select(Review).where(Review.application_id == application.id)
        .options(selectinload(Review.scores), selectinload(Review.revisions),
                 selectinload(Review.reviewer).selectinload(User.role_assignments))
        .execution_options(populate_existing=True)).all()


def _manage_page(application: Application, assign_form=None, decision_form=None,
                 return_form=None, interview=None, status=200):
    filter_form = ReviewerFilterForm(request.args, prefix="filter")
    assign_form = assign_form or AssignForm()
    assign_form.reviewer.choices = _reviewer_choices(application, filter_form.filters())
    _load_reviews(application)
    hide_reviews = own_review_pending(current_user, application)
    figures = None if hide_reviews else panel_figures(application)
    return render_template(
        "assessments/manage_application.html",
        application=application,
        criteria=application.competition.rubric_version.criteria,
        figures=None if figures is None else figures.result,
        # Each criterion's panel mean, shown beside the interview's finding on it.
        panel_means={} if figures is None or figures.table.empty
        else figures.table["mean"].to_dict(),
        probes=probed_criteria(application.competition.rubric_version),
        findings=findings_of(application.interview),
        decided_interview=application.decision and interview_at_decision(
            application.decision.interview, application.competition.rubric_version),
        hide_reviews=hide_reviews,
        shown_reviews=[r for r in application.reviews
                       if not hide_reviews or r.reviewer_id == current_user.id],
        may_decide=can_decide(current_user, application),
        may_moderate=can_moderate(current_user, application),
        may_resolve=can_resolve_appeal(current_user, application),
        assign_form=assign_form,
        decision_form=decision_form or DecisionForm(),
        return_form=return_form or ReturnForm(),
        action_form=ActionForm(),
        post_form=PostForm(),
        interview_form=interview or _interview_form_as_recorded(application),
        moderation_form=ModerationForm(),
        resolve_form=ResolveAppealForm(),
        conflict_form=ConflictForm(),
        specialism_form=SpecialismForm(specialism=application.specialism),
        filter_form=filter_form, specialism_title=specialism_title, is_specialist=is_specialist,
    ), status


def _back_to(application: Application) -> str:
    return url_for(".manage_application", application_id=application.id)


@bp.get("/manage/applications/<int:application_id>")
@login_required
def manage_application(application_id: int):
    return _manage_page(managed_application_or_404(application_id))


@bp.post("/manage/applications/<int:application_id>/check")
@login_required
def check_eligibility_view(application_id: int):
    application = managed_application_or_404(application_id)
    return run_action(lambda: check_eligibility(application, by=current_user),
                      success=_("Eligibility confirmed: reviewers can now be assigned."),
                      redirect_to=_back_to(application))


@bp.post("/manage/applications/<int:application_id>/return")
@login_required
def return_application_view(application_id: int):
    application = managed_application_or_404(application_id)
    form = ReturnForm()

    def again():
        return _manage_page(application, return_form=form, status=422)

    if not form.validate_on_submit():
        return again()
    return run_operation(lambda: return_application(application, form.message.data,
                                                    by=current_user),
                         success=_("The application was returned to the candidate."),
                         redirect_to=url_for(".manage_applications"), on_failure=again)


@bp.post("/manage/applications/<int:application_id>/assign")
@login_required
def assign(application_id: int):
    application = managed_application_or_404(application_id)
    form = AssignForm()
    form.reviewer.choices = _reviewer_choices(application)

    def again():
        return _manage_page(application, assign_form=form, status=422)

    if not form.validate_on_submit():
        return again()
    reviewer = db.session.get(User, form.reviewer.data)
    return run_operation(lambda: assign_reviewer(application, reviewer, by=current_user),
                         success=_("%(name)s assigned as reviewer.", name=reviewer.full_name),
                         redirect_to=_back_to(application), on_failure=again)


@bp.post("/manage/applications/<int:application_id>/interview")
@login_required
def interview(application_id: int):
    application = managed_application_or_404(application_id)
    form = interview_form(_probed_codes(application))

    def again():
        return _manage_page(application, interview=form, status=422)

    if not form.validate_on_submit():
        return again()
    findings = ({code: FindingInput(outcome, note)
                 for code, (outcome, note) in form.findings().items()}
                if "outcome" not in form else None)
    return run_operation(
        lambda: record_interview(
            application, held_on=form.held_on.data, panel=form.panel.data,
            outcome=InterviewOutcome(form.outcome.data) if "outcome" in form else None,
            findings=findings, notes=form.notes.data, by=current_user),
        success=_("Interview recorded."), redirect_to=_back_to(application), on_failure=again)


@bp.post("/manage/applications/<int:application_id>/decide")
@login_required
def decide_application(application_id: int):
    application = managed_application_or_404(application_id)
    form = DecisionForm()

    def again():
        return _manage_page(application, decision_form=form, status=422)

    if not form.validate_on_submit():
        return again()

    def record():
        if form.outcome.data == REVISE:
            request_revision(application, form.reason.data, by=current_user)
        else:
            decide(application, Outcome(form.outcome.data), form.reason.data, by=current_user)

    return run_operation(record, success=_("Decision recorded."),
                         redirect_to=_back_to(application), on_failure=again)


@bp.post("/manage/applications/<int:application_id>/conflict")
@login_required
def staff_conflict(application_id: int):
    """A staff member declares a conflict with a file: it disappears from their lists."""
    application = managed_application_or_404(application_id)
    form = ConflictForm()
    return run_posted_form(
        form, lambda: declare_staff_conflict(application, form.reason.data, by=current_user),
        success=_("Conflict of interest recorded: this application is no longer shown to you."),
        back=_back_to(application), redirect_to=url_for(".manage_applications"))


@bp.post("/manage/applications/<int:application_id>/moderate")
@login_required
def moderate_view(application_id: int):
    application = managed_application_or_404(application_id)
    form = ModerationForm()
    return run_posted_form(
        form, lambda: moderate(application, confirm=form.verdict.data == "confirm",
                               note=form.note.data, by=current_user),
        success=_("Second check recorded."), back=_back_to(application))


@bp.post("/manage/appeals/<int:appeal_id>")
@login_required
def resolve_appeal_view(appeal_id: int):
    appeal, application = get_appeal_or_404(appeal_id)
    form = ResolveAppealForm()
    return run_posted_form(
        form, lambda: resolve_appeal(appeal, reopen=form.resolution.data == "reopen",
                                     resolution=form.reason.data, by=current_user),
        success=_("Appeal resolved."), back=_back_to(application))


# Competitions -----------------------------------------------------------------------------------


@bp.get("/manage/competitions/")
@login_required
def manage_competitions():
    if not is_staff(current_user):
        abort(403)
    return render_template("assessments/manage_competitions.html",
                           competitions=competitions_page(), action_form=ActionForm(),
                           controls=competition_filters())


def _naive_utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


def _aware_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value else None


def _competition_form(competition: Competition | None = None) -> CompetitionForm:
    """The posted form, or on GET the form filled from the competition (times in UTC)."""
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
            "requires_calibration": competition.requires_calibration,
            "branches": [b.id for b in competition.branches],
        }
    # A branch deactivated since the competition chose it stays offered (and kept) here.
    kept = [b for b in competition.branches if not b.is_active] if competition else []
    return CompetitionForm(data=data, versions=published_versions(),
                           branches=active_branches() + kept)


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
        requires_calibration=form.requires_calibration.data,
        branches=[db.session.get(Branch, branch_id) for branch_id in form.branches.data],
    )


def _edit_competition(competition: Competition | None):
    """The competition form (new when ``competition`` is None): saved, or shown again."""
    if not can_manage_competitions(current_user):
        abort(403)
    form = _competition_form(competition)

    def again():
        return render_template("assessments/competition_form.html", form=form,
                               competition=competition), 422

    if form.validate_on_submit():
        return run_operation(
            lambda: save_competition(competition, _competition_input(form), by=current_user),
            success=_("Competition saved."),
            redirect_to=lambda saved: url_for(".competition", competition_id=saved.id),
            on_failure=again)
    if request.method == "POST":
        return again()
    return render_template("assessments/competition_form.html", form=form,
                           competition=competition)


@bp.route("/manage/competitions/new", methods=["GET", "POST"])
@login_required
def create_competition():
    return _edit_competition(None)


@bp.route("/manage/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@login_required
def edit_competition(competition_id: int):
    return _edit_competition(get_competition_or_404(competition_id))


@bp.post("/manage/competitions/<int:competition_id>/assign")
@login_required
def auto_assign_view(competition_id: int):
    competition = get_competition_or_404(competition_id)
    if not can_manage_competitions(current_user):
        abort(403)
    require_declaration(competition)
    require_action_form()
    done, plan = attempt(lambda: auto_assign(competition, by=current_user))
    if done:
        flash(_("%(count)d reviewers assigned.", count=len(plan.pairs)), "success")
        if plan.short:
            flash(_("%(count)d applications still lack reviewers: no eligible reviewer has "
                    "room left. Add reviewers or raise the per-reviewer maximum.",
                    count=len(plan.short)), "error")
        if plan.unchecked:
            flash(_("%(count)d submitted applications were left out: their eligibility and "
                    "completeness are not yet confirmed. Confirm them on each application's "
                    "page, then assign again.", count=len(plan.unchecked)), "error")
        if plan.awaiting_referees:
            flash(_("%(count)d submitted applications were left out: their referees have not "
                    "all answered yet.", count=len(plan.awaiting_referees)), "error")
        if plan.no_specialist:
            flash(_("%(count)d applications have no reviewer of their specialism: invite "
                    "one to the reviewer pool, or assign one by hand.",
                    count=len(plan.no_specialist)), "error")
            specialisms = dict(db.session.execute(sa.select(
                Application.id, Application.specialism).where(
                Application.id.in_(plan.no_specialist))).all())
            for application_id in plan.no_specialist:
                flash(_("Application No. %(number)d: no reviewer of its specialism "
                        "(%(specialism)s) could be assigned.", number=application_id,
                        specialism=specialism_title(specialisms.get(application_id))), "error")
    return redirect(url_for(".manage_competitions"))
