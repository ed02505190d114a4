"""Bulk import of people (issue 20): the template, the upload and its preview, which writes
nothing, and the confirmation, which writes exactly the rows the preview showed."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.errors import DomainError
from certify.core.tabular import csv_response
from certify.core.views import run_operation
from certify.users import import_store
from certify.users.blueprint import bp
from certify.users.forms import ConfirmImportForm, PeopleImportForm
from certify.users.imports import (
    MAX_ROWS,
    apply_import,
    plan_digest,
    plan_import,
    read_table,
    template,
)
from certify.users.permissions import can_import_people

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def require_importer() -> None:
    if not can_import_people(current_user):
        abort(403)


@bp.get("/import/template")
@login_required
def import_template():
    """``?format=xlsx`` for the workbook; the CSV otherwise."""
    require_importer()
    kind = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    if kind == "csv":
        return csv_response(template("csv"), "people-import.csv")
    return template("xlsx"), 200, {
        "Content-Type": XLSX_TYPE,
        "Content-Disposition": 'attachment; filename="people-import.xlsx"'}


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_people():
    """The upload form; posted, the preview of every row (nothing is written)."""
    require_importer()
    form = PeopleImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["PEOPLE_IMPORT_MAX_BYTES"] + 1)
        filename = upload.filename or ""
        try:
            plans = plan_import(read_table(filename, data), by=current_user)
        except DomainError as error:
            form.file.errors.extend(error.problems)
        else:
            file_hash = import_store.file_hash(data)
            digest = plan_digest(file_hash, plans)
            writes = any(p.valid and p.action != "unchanged" for p in plans)
            confirm = ConfirmImportForm(ticket=import_store.keep(
                data, filename, digest, user_id=current_user.id)) if writes else None
            return render_template("users/import_preview.html", plans=plans,
                                   filename=filename, confirm=confirm)
    status = 422 if form.is_submitted() else 200
    return render_template("users/import.html", form=form, max_rows=MAX_ROWS), status


@bp.post("/import/confirm")
@login_required
def confirm_import():
    require_importer()
    form = ConfirmImportForm()
    back = url_for(".import_people")
    if not form.validate_on_submit():
        flash(import_store.refused_message(), "error")
        return redirect(back)
    return run_operation(lambda: _confirm(form.ticket.data),
                         redirect_to=url_for(".index"), on_failure=back)


def _confirm(token: str) -> dict:
    """Write the previewed rows, if the stored file and what it would do are unchanged."""
    ticket = import_store.read_ticket(token, user_id=current_user.id)
    data, claimed = import_store.claim(ticket)
    try:
        plans = plan_import(read_table(ticket.filename, data), by=current_user)
        if plan_digest(ticket.file_hash, plans) != ticket.digest:
            raise DomainError(_("Accounts changed since the preview: upload the file again to "
                                "see what the import would do now."))
        counts = apply_import(plans, file_hash=ticket.file_hash, filename=ticket.filename,
                              by=current_user)
    except DomainError:
        import_store.release(ticket, claimed)
        raise
    import_store.discard(claimed)
    flash(_("Imported: %(created)d accounts created, %(changed)d given new roles, "
            "%(unchanged)d unchanged.", created=counts["create"], changed=counts["add_roles"],
            unchanged=counts["unchanged"]), "success")
    return counts
