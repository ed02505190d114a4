"""The holder's CPD log: the list with the progress against each certificate's rules, and an
entry's page to add, change or delete it and its evidence."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.certificates.blueprint import bp
from certify.certificates.cpd import operations
from certify.certificates.cpd.categories import category_title
from certify.certificates.cpd.declarations import declaration_of, declare
from certify.certificates.cpd.forms import CpdEntryForm, DeclarationForm, DeleteEntryForm
from certify.certificates.cpd.models import CpdEntry, CpdEvidence
from certify.certificates.permissions import may_read_cpd
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.forms import ActionForm
from certify.core.listing import Filter, FilterControl, ListSpec, contains, paginate
from certify.core.stored_files import upload_directory
from certify.core.uploads import extension_for
from certify.core.views import run_action, run_confirmed, run_operation, run_posted_form

LOG = ListSpec(
    sorts={"ended": CpdEntry.ended_on, "hours": CpdEntry.hours, "title": CpdEntry.title},
    default_sort="-ended",
    filters={"category": Filter(lambda v: v if v.isidentifier() else None,
                                lambda v: CpdEntry.category == v)},
    search=lambda text: contains(CpdEntry.title, text),
    tiebreak=CpdEntry.id,
)


def _holder_only() -> list:
    """The current user's certificates, or 403: the log is a certificate holder's."""
    certificates = operations.holder_certificates(current_user)
    if not certificates:
        abort(403)
    return certificates


def _own_entry_or_404(entry_id: int) -> CpdEntry:
    entry = db.get_or_404(CpdEntry, entry_id)
    if entry.holder_id != current_user.id:
        abort(404)
    return entry


@bp.get("/my/cpd/")
@login_required
def cpd_log():
    certificates = _holder_only()
    categories = operations.holder_categories(current_user)
    return render_template(
        "certificates/cpd_log.html",
        entries=paginate(sa.select(CpdEntry).where(CpdEntry.holder_id == current_user.id),
                         LOG),
        progress=[(c, operations.evaluation_for(c)) for c in certificates],
        controls=[FilterControl("category", _("Category"),
                                [(code, category_title(code)) for code in categories])],
        category_title=category_title, year=utcnow().year,
        declaration=declaration_of(current_user, utcnow().year),
        declaration_form=DeclarationForm())


@bp.post("/my/cpd/declaration")
@login_required
def cpd_declare():
    _holder_only()
    form = DeclarationForm()
    return run_posted_form(
        form, lambda: declare(current_user, cpd_kept=form.cpd_kept.data,
                              conduct_accepted=form.conduct_accepted.data),
        success=_("Thank you: your declaration is recorded."), back=url_for(".cpd_log"))


def _upload(form) -> tuple[bytes, str] | None:
    chosen = form.file.data
    if not chosen or not chosen.filename:
        return None
    return chosen.stream.read(current_app.config["MAX_FILE_BYTES"] + 1), chosen.filename


def _entry_page(form, entry: CpdEntry | None, status: int = 200):
    return render_template("certificates/cpd_entry.html", form=form, entry=entry,
                           delete_form=DeleteEntryForm(), action_form=ActionForm(),
                           category_title=category_title), status


def _save(entry: CpdEntry | None):
    categories = operations.holder_categories(current_user)
    form = CpdEntryForm(obj=entry, categories=categories)
    if not form.validate_on_submit():
        return _entry_page(form, entry, 422 if request.method == "POST" else 200)
    data = operations.EntryInput(
        title=form.title.data, started_on=form.started_on.data, ended_on=form.ended_on.data,
        hours=float(form.hours.data), category=form.category.data, plan=form.plan.data,
        record=form.record.data, reflect=form.reflect.data, evaluate=form.evaluate.data,
        upload=_upload(form), url=form.url.data or None,
        evidence_title=form.evidence_title.data or None)
    return run_operation(lambda: operations.save_entry(entry, data, by=current_user),
                         success=_("Saved."),
                         redirect_to=lambda saved: url_for(".cpd_entry", entry_id=saved.id),
                         on_failure=lambda: _entry_page(form, entry, 422))


@bp.route("/my/cpd/new", methods=["GET", "POST"])
@login_required
def cpd_new():
    _holder_only()
    return _save(None)


@bp.route("/my/cpd/<int:entry_id>", methods=["GET", "POST"])
@login_required
def cpd_entry(entry_id: int):
    return _save(_own_entry_or_404(entry_id))


@bp.post("/my/cpd/<int:entry_id>/delete")
@login_required
def cpd_delete(entry_id: int):
    entry = _own_entry_or_404(entry_id)
    return run_confirmed(lambda: operations.delete_entry(entry, by=current_user),
                         back=url_for(".cpd_entry", entry_id=entry.id),
                         redirect_to=url_for(".cpd_log"), success=_("Entry deleted."))


def _evidence_or_404(cpd_evidence_id: int, *, staff_may: bool) -> CpdEvidence:
    item = db.get_or_404(CpdEvidence, cpd_evidence_id)
    if item.entry.holder_id != current_user.id and not (
            staff_may and may_read_cpd(current_user,
                                       operations.holder_certificates(item.entry.holder))):
        abort(404)
    return item


@bp.post("/my/cpd/evidence/<int:cpd_evidence_id>/delete")
@login_required
def cpd_remove_evidence(cpd_evidence_id: int):
    item = _evidence_or_404(cpd_evidence_id, staff_may=False)
    return run_action(lambda: operations.remove_evidence(item, by=current_user),
                      success=_("Evidence removed."),
                      redirect_to=url_for(".cpd_entry", entry_id=item.entry_id))


@bp.get("/my/cpd/evidence/<int:cpd_evidence_id>")
@login_required
def cpd_evidence(cpd_evidence_id: int):
    """A file to its holder and the staff who review renewals; always as a download, with its
    checked type and no sniffing (as an application's evidence)."""
    item = _evidence_or_404(cpd_evidence_id, staff_may=True)
    if item.kind != "file":
        abort(404)
    extension = extension_for(item.content_type)
    name = item.title if item.title.lower().endswith(extension) else item.title + extension
    response = send_file(upload_directory() / item.stored_name, mimetype=item.content_type,
                         as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
