"""Every route × every kind of visitor → the expected status.

The matrix must name every (method, endpoint) of the URL map, so a new route cannot be
forgotten: test_every_route_is_in_the_matrix fails until it is added here.
"""

from __future__ import annotations

import pytest

from tests.conftest import login

ROLES = ("anonymous", "owner", "other_candidate", "reviewer", "unassigned_reviewer",
         "coordinator_other_branch", "coordinator", "admin")

# Expected status per role, in the order of ROLES. 302 for anonymous means "sent to log in".
MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "main.index"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "main.healthz"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "main.set_language"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "main.dashboard"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.login"): (200, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.login"): (200, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.logout"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.register"): (200, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.register"): (200, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.check_email"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.confirm_email"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "auth.forgot_password"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.forgot_password"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.reset_password"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "auth.reset_password"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "auth.password"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.second_factor"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.second_factor"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.second_factor_setup"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.second_factor_setup"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.password"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "users.index"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("GET", "users.create"): (302, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "users.create"): (302, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "users.set_enabled_view"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "certificates.verify_form"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.verify"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.register"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("POST", "certificates.verify_credential"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "certificates.credential"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.pdf"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.verify_bulk"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "certificates.verify_bulk"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "api.certificate"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "api.verify"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "api.bulk_verify"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "api.openapi"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "api.docs"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.issuer"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.status_list"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.manage"): (302, 403, 403, 403, 403, 403, 200, 200),
    ("POST", "certificates.act"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "certificates.correct_name"): (302, 403, 403, 403, 403, 403, 403, 302),
    # The certificate is not any visitor's own: its holder page does not exist for them.
    ("GET", "certificates.mine"): (302, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.privacy"): (302, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.renew"): (302, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "certificates.renewals"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("POST", "certificates.decide_renewal"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "rubrics.index"): (302, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "rubrics.version"): (302, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "rubrics.export"): (302, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "rubrics.preview"): (302, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "rubrics.diff"): (302, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "rubrics.create"): (302, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "rubrics.create"): (302, 403, 403, 403, 403, 403, 403, 422),
    ("GET", "rubrics.edit"): (302, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "rubrics.edit"): (302, 403, 403, 403, 403, 403, 403, 422),
    ("POST", "rubrics.import_file"): (302, 403, 403, 403, 403, 403, 403, 302),
    # The scenario's version is published and in use: editing routes lead back to it.
    ("GET", "rubrics.settings"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.settings"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "rubrics.add_criterion_view"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.add_criterion_view"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "rubrics.edit_criterion"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.edit_criterion"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.delete_criterion"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.move"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.add_level_view"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.remove_level_view"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.publish_version"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.retire_version"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.new_draft"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "rubrics.delete_version"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "assessments.competitions"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "assessments.competition"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "assessments.apply"): (302, 302, 302, 403, 403, 403, 403, 403),
    ("GET", "assessments.my_applications"): (302, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "assessments.application"): (302, 200, 403, 200, 403, 403, 200, 200),
    ("POST", "assessments.application"): (302, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.withdraw"): (302, 302, 403, 403, 403, 403, 403, 403),
    ("GET", "assessments.review_queue"): (302, 403, 403, 200, 200, 403, 403, 403),
    ("GET", "assessments.review"): (302, 403, 403, 200, 403, 403, 403, 403),
    ("POST", "assessments.review"): (302, 403, 403, 422, 403, 403, 403, 403),
    ("GET", "assessments.manage_applications"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("GET", "assessments.manage_application"): (302, 403, 403, 403, 403, 403, 200, 200),
    ("POST", "assessments.assign"): (302, 403, 403, 403, 403, 403, 422, 422),
    ("POST", "assessments.decide_application"): (302, 403, 403, 403, 403, 403, 422, 422),
    ("POST", "assessments.auto_assign_view"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "assessments.check_eligibility_view"): (302, 403, 403, 403, 403, 403, 302, 302),
    # The assigned reviewer has not submitted yet: not in the discussion, nothing to revise.
    ("POST", "assessments.discuss"): (302, 403, 403, 403, 403, 403, 302, 302),
    ("POST", "assessments.interview"): (302, 403, 403, 403, 403, 403, 422, 422),
    ("POST", "assessments.moderate_view"): (302, 403, 403, 403, 403, 403, 302, 302),
    ("POST", "assessments.appeal"): (302, 302, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.resolve_appeal_view"): (302, 403, 403, 403, 403, 403, 302, 302),
    ("POST", "assessments.reopen_review_view"): (302, 403, 403, 302, 403, 403, 403, 403),
    ("POST", "assessments.return_application_view"): (302, 403, 403, 403, 403, 403, 422, 422),
    # Submitted: nothing can be added or removed any more, even by the candidate.
    ("POST", "assessments.add_evidence"): (302, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.delete_evidence"): (302, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "assessments.download_evidence"): (302, 200, 404, 200, 404, 404, 200, 200),
    # Only the reviewer on the review may step aside (empty reason: back to the form).
    ("POST", "assessments.declare_conflict_view"): (302, 403, 403, 302, 403, 403, 403, 403),
    ("GET", "assessments.manage_competitions"): (302, 403, 403, 403, 403, 200, 200, 200),
    # Under review: staff in scope see the figures; the candidate once decided.
    ("GET", "assessments.result"): (302, 403, 403, 403, 403, 403, 200, 200),
    ("GET", "assessments.feedback_csv"): (302, 403, 403, 403, 403, 403, 200, 200),
    ("GET", "assessments.analytics"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("GET", "assessments.export"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("GET", "assessments.annual_report"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("GET", "assessments.annual_report_xlsx"): (302, 403, 403, 403, 403, 200, 200, 200),
    ("GET", "assessments.create_competition"): (302, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "assessments.create_competition"): (302, 403, 403, 403, 403, 403, 403, 422),
    ("GET", "assessments.edit_competition"): (302, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "assessments.edit_competition"): (302, 403, 403, 403, 403, 403, 403, 422),
}

# Routes that change nothing about the scenario's objects when refused; listed for clarity.
SKIPPED_ENDPOINTS = {"static"}


def test_every_route_is_in_the_matrix(app):
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - routes == set(), "MATRIX names routes that no longer exist"


def _url(app, endpoint: str, values: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


@pytest.mark.parametrize(("method", "endpoint"), sorted(MATRIX))
def test_access_matrix(app, scenario, method, endpoint):
    people, values = scenario
    url = _url(app, endpoint, values)
    for role, expected in zip(ROLES, MATRIX[method, endpoint], strict=True):
        client = app.test_client()
        if role != "anonymous":
            assert login(client, people[role]).status_code == 302
        response = client.open(url, method=method, data={})
        response.close()  # file downloads hold their file open until closed
        assert response.status_code == expected, f"{role} {method} {url}"
        if expected == 302 and role == "anonymous" and method == "GET" and (
            endpoint not in {"auth.login", "auth.register", "auth.check_email"}
        ):
            assert "/login" in response.headers["Location"]
