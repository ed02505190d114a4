"""Hypothesis-generated input on every form and JSON endpoint never causes a 500.

Each POST route of the URL map is posted, as an administrator (who may reach the most forms)
and as a candidate, with generated fields: the names the form expects plus junk, values of
any text, numbers, huge strings and control characters. A 4xx or a redirect is fine; a 5xx is a
bug. (OWASP ASVS 2.2.1, 16.5.1.)
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import MATRIX, login, route_url

FIELD_NAMES = [
    "email", "password", "password_again", "full_name", "full_name_native", "affiliation",
    "country", "branch", "preferred_language", "accept_terms", "roles", "reason", "outcome",
    "reviewer", "version", "eligibility_confirmed", "answers-0-level", "answers-0-narrative",
    "scores-0-level", "scores-0-comment", "save", "submit", "title_en", "title_ru", "title_kk",
    "rubric_version", "state", "opens_at", "closes_at", "min_reviewers", "code", "track",
    "weight", "min_pass_level", "levels-0-label-en", "pass_threshold", "criterion", "url",
    "title", "message", "body", "verified", "verdict", "note", "grounds", "resolution",
    "held_on", "panel", "notes", "cpd_hours", "narrative", "evidence_url", "is_private",
    "number", "credential", "decision", "new_password", "current_password", "next",
    "started_on", "ended_on", "hours", "category", "plan", "deadline", "comment", "cpd_kept",
    "conduct_accepted", "confirm",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "2026-13-45T25:61", "../../etc",
                     "' OR 1=1 --", "<script>alert(1)</script>", "y", "award", "revise",
                     "x" * 6000]),
)
FORMS = st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=12)
POST_ROUTES = sorted(endpoint for method, endpoint in MATRIX if method == "POST")


@pytest.mark.parametrize("endpoint", POST_ROUTES)
def test_generated_forms_never_cause_a_server_error(app, scenario, endpoint):
    people, values = scenario
    url = route_url(app, endpoint, values)
    clients = []
    for role in ("admin", "owner", "reviewer"):
        client = app.test_client()
        login(client, people[role])
        clients.append(client)

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(form=FORMS, who=st.integers(min_value=0, max_value=2))
    def post(form, who):
        response = clients[who].post(url, data=form)
        response.close()
        assert response.status_code < 500, (url, form, response.status_code)

    post()


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=300), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20).map(lambda value: __import__("json").dumps(value).encode())))
def test_generated_json_never_causes_a_server_error(client, body):
    for url in ("/api/v1/verify", "/api/v1/certificates/bulk-verify"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code < 500, (url, body)
