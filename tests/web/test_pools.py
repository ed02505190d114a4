"""The two gunicorn pools of docs/deployment.md: nginx sends the public answers (verification,
the API, credentials and PDFs, status lists, the issuer's documents) to one pool and everything
else to the staff pool. The routes are read from the app, so a new public endpoint outside the
documented locations, or a staff page inside them, fails here; and the scale benchmark routes
by the same patterns the documentation shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.scale_http import NGINX_PUBLIC_LOCATIONS, is_public

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
SAMPLE = {"int": "7", "default": "UPME-KZ-2026-000001", "path": "app.css"}
PUBLIC_ENDPOINTS = {
    "certificates.verify", "certificates.verify_form", "certificates.verify_bulk",
    "certificates.verify_bulk_job", "certificates.verify_bulk_results",
    "certificates.verify_credential", "certificates.credential", "certificates.pdf",
    "certificates.status_list", "certificates.did", "certificates.issuer",
    "certificates.achievement", "certificates.badge", "main.healthz", "static",
    "alerts.subscribe",  # /verify/<number>/alerts: the form beside the verification page
    "certificates.reviewer_credential_page", "certificates.reviewer_credential_json",
}


def _sample_path(rule) -> str:
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
                  lambda m: SAMPLE.get(m.group(1) or "default", SAMPLE["default"]), rule.rule)


def test_the_documented_nginx_locations_are_the_ones_measured():
    documented = re.findall(r"location ~ (\S+) \{\n\s+proxy_pass http://certify_public;",
                            DOCS.read_text())
    assert tuple(documented) == NGINX_PUBLIC_LOCATIONS


@pytest.fixture
def routes(app):
    return [(rule.endpoint, _sample_path(rule)) for rule in app.url_map.iter_rules()]


def test_public_answers_go_to_the_public_pool_and_nothing_else_does(routes):
    public = {endpoint for endpoint, path in routes if is_public(path)}
    api = {endpoint for endpoint, _path in routes if endpoint.startswith("api.")}
    assert public == PUBLIC_ENDPOINTS | api


@pytest.mark.parametrize("path", ["/certificates/", "/certificates/12", "/certificates/renewals",
                                  "/my/certificates/UPME-KZ-2026-000001", "/login",
                                  "/manage/competitions/1/export/ratings.xlsx", "/dashboard"])
def test_staff_pages_beside_public_ones_stay_with_staff(path):
    assert not is_public(path)
