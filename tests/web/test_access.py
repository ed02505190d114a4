"""Every route × every kind of visitor → the expected status.

The matrix must name every (method, endpoint) of the URL map, so a new route cannot be
forgotten: test_every_route_is_in_the_matrix fails until it is added here.
"""

from __future__ import annotations

import pytest

from tests.support import MATRIX, ROLES, SKIPPED_ENDPOINTS, login, route_url


def test_every_route_is_in_the_matrix(app):
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - routes == set(), "MATRIX names routes that no longer exist"


@pytest.mark.parametrize(("method", "endpoint"), sorted(MATRIX))
def test_access_matrix(app, scenario, method, endpoint):
    people, values = scenario
    for role, expected in zip(ROLES, MATRIX[method, endpoint], strict=True):
        url = route_url(app, endpoint, values | values["own"].get(role, {}))
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
