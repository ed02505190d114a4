"""The privacy notice: its public pages (current and earlier versions), and the page where a
person accepts a newer version before anything else (ISO/IEC 17024 §7.1, §7.3)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certify.core.forms import ActionForm
from certify.core.i18n import current_language
from certify.core.views import run_operation
from certify.users import privacy
from certify.users.blueprint import auth_bp as bp

# What a person who must accept a newer notice can still reach: the notice, its acceptance,
# logging out, the language switcher, static files, and the second factor's enrolment (the
# other gate, certify.web.security: each must let the other's page through, or they loop).
_OPEN_DURING_GATE = {"auth.privacy_notice", "auth.privacy_version", "auth.privacy_accept",
                     "auth.logout", "auth.second_factor_setup", "main.set_language", "static",
                     "main.healthz", None}


@bp.before_app_request
def ask_for_new_consent():
    if (request.endpoint in _OPEN_DURING_GATE or not current_user.is_authenticated
            or not privacy.needs_new_consent(current_user)):
        return None
    return redirect(url_for("auth.privacy_accept"))


def _notice_page(version: str, **context):
    if version not in privacy.VERSIONS:
        abort(404)
    return render_template(
        "privacy/notice.html", version=version, published=privacy.VERSIONS[version],
        current=privacy.current_version(), versions=privacy.VERSIONS,
        notice=privacy.notice_template(version, current_language()), **context)


@bp.get("/privacy")
def privacy_notice():
    return _notice_page(privacy.current_version())


@bp.get("/privacy/<version>")
def privacy_version(version: str):
    return _notice_page(version)


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
def privacy_accept():
    user = current_user._get_current_object()
    form = ActionForm()
    if form.validate_on_submit():
        return run_operation(lambda: privacy.record_consent(user, current_language()),
                             success=_("Thank you: you have accepted the privacy notice."),
                             redirect_to=url_for("main.dashboard"))
    return _notice_page(privacy.current_version(), form=form,
                        accepted=privacy.has_accepted(user, privacy.current_version()),
                        first_consent=not privacy.consents_of(user))
