"""What every view does with an operation: run it, commit once, or roll back and say why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, session
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.forms import require_action_form, unconfirmed


def flash_problems(error: DomainError, prefix: str = "") -> None:
    for problem in error.problems:
        flash(f"{prefix}{problem}", "error")


def flash_form_errors(form) -> None:
    """Each field's problems as flash messages (for forms that answer with a redirect)."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}" if field.label.text else error, "error")


def attempt(operation: Callable[[], Any], *, success: str | None = None,
            problem_prefix: str = "") -> tuple[bool, Any]:
    """Run ``operation()``; commit and flash ``success``, or roll back and flash the
    operation's problems. Returns (done, what the operation returned)."""
    try:
        result = operation()
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        flash_problems(error, problem_prefix)
        return False, None
    except StaleDataError:
        # Optimistic locking (a version_id_col) found a newer row than the form was made from.
        db.session.rollback()
        flash(_("This page was changed elsewhere (another tab or person) after you opened "
                "it. Your changes were not saved: reload the page and apply them again."),
              "error")
        return False, None
    db.session.commit()
    if success:
        flash(success, "success")
    return True, result


def run_posted_form(form, operation: Callable[[], Any], *, back: str,
                    success: str | None = None, redirect_to: str | None = None):
    """A form posted from the page that shows it, answered with a redirect: when invalid, its
    problems are flashed and the visitor goes ``back``; when valid, ``run_operation`` (on to
    ``redirect_to``, by default ``back``; back again if the operation refuses)."""
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    return run_operation(operation, success=success, redirect_to=redirect_to or back,
                         on_failure=back)


def run_operation(operation: Callable[[], Any], *, success: str | None = None,
                  redirect_to: str | Callable[[Any], str],
                  on_failure: Callable[[], Any] | str | None = None,
                  problem_prefix: str = ""):
    """The view's answer after ``operation()``: a redirect to ``redirect_to`` once committed
    (a callable receives what the operation returned); on a ``DomainError``, rolled back and
    flashed, ``on_failure()`` (e.g. the form re-rendered with status 422) or a redirect to
    ``on_failure`` when it is an address (``redirect_to`` by default)."""
    done, result = attempt(operation, success=success, problem_prefix=problem_prefix)
    if done:
        return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    if callable(on_failure):
        return on_failure()
    target = on_failure or redirect_to
    return redirect(target if isinstance(target, str) else target(None))


def _messages(errors):
    for value in errors.values() if isinstance(errors, dict) else errors:
        if isinstance(value, (dict, list)):
            yield from _messages(value)
        else:
            yield str(value)


def background_save(form, operation: Callable[[], Any], *, version: Callable[[], int]):
    """The answer to a page's script saving a draft in the background (issue 16): JSON with
    the record's new version, or its problems (409: the record changed elsewhere, e.g. in
    another tab; 422: the input). Nothing is left flashed for the next page."""
    if not form.validate_on_submit():
        return {"saved": False, "problems": list(_messages(form.errors))}, 422
    before = len(session.get("_flashes", []))
    done, _result = attempt(operation)
    flashed = session.get("_flashes", [])
    problems = [message for _category, message in flashed[before:]]
    if flashed[before:]:
        session["_flashes"] = flashed[:before]
    if not done:
        stale = any("elsewhere" in problem for problem in problems)
        return {"saved": False, "problems": problems}, 409 if stale else 422
    return {"saved": True, "version": version()}, 200


def run_action(operation: Callable[[], Any], **answer):
    """A button's post (``ActionForm``): refused with 400 on a bad CSRF token before anything
    runs, else ``run_operation(operation, **answer)``."""
    require_action_form()
    return run_operation(operation, **answer)


def run_confirmed(operation: Callable[[], Any], *, back: str, **answer):
    """An irreversible step's post (``ConfirmForm``): without its ticked box, sent ``back``
    with the reason and nothing changed (400 on a bad CSRF token); else ``run_operation``,
    on to ``redirect_to`` (``back`` by default)."""
    if refused := unconfirmed(back):
        return refused
    return run_operation(operation, **{"redirect_to": back, **answer})
