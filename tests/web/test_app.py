"""The application base: configuration, health check, headers, error pages."""

import pytest
from flask import request

from certify.core.extensions import db
from certify.users.models import Branch
from certify.web.app import create_app
from tests.support import login


def test_secret_key_is_required_outside_tests_and_demo(monkeypatch, tmp_path):
    monkeypatch.delenv("CERTIFY_SECRET_KEY", raising=False)
    monkeypatch.delenv("CERTIFY_DEMO", raising=False)
    with pytest.raises(RuntimeError, match="CERTIFY_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_demo_generates_and_keeps_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("CERTIFY_SECRET_KEY", raising=False)
    first = create_app({"DEMO": True, "DATABASE_URL": "sqlite://"})
    second = create_app({"DEMO": True, "DATABASE_URL": "sqlite://"})
    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_environment_chooses_database_and_secret(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv("CERTIFY_DATABASE_URL", url)
    monkeypatch.setenv("CERTIFY_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("CERTIFY_PUBLIC_BASE_URL", "https://certify.example")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["TESTING"] is False
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("CERTIFY_DATABASE_URL", raising=False)
    monkeypatch.setenv("CERTIFY_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CERTIFY_PUBLIC_BASE_URL", "https://certify.example")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/certify.db")
    assert app.instance_path in app.config["SQLALCHEMY_DATABASE_URI"]


def test_healthz_answers_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}


def test_healthz_reports_a_dead_database(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_security_headers_and_cookie_flags(client, create_user):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    person = create_user("candidate")
    login = client.post("/login", data={"email": person.email, "password": person.password})
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_load_only_our_own_script(client):
    """The one script is ours, served from /static, and CSP forbids any other."""
    body = client.get("/").get_data(as_text=True)
    assert '<script src="/static/app.js" defer></script>' in body
    assert "<script>" not in body and "onclick" not in body
    script = client.get("/static/app.js")
    script.close()
    assert script.status_code == 200


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Page not found"), ("ru", "Страница не найдена"), ("kk", "Бет табылмады")],
)
def test_error_pages_are_translated(client, language, text):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Access denied"), ("ru", "Доступ запрещён"), ("kk", "Кіруге тыйым салынған")],
)
def test_forbidden_page_is_translated(app, create_user, language, text):
    client = app.test_client()
    login(client, create_user("candidate", language=language))
    response = client.get("/users/")
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


def test_unexpected_error_rolls_back_and_shows_a_translated_page(app, tmp_path, in_app):
    failing = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"]})

    @failing.get("/boom")
    def boom():
        db.session.add(Branch(code="XX", country="XX", name={"en": "half written"}))
        db.session.flush()
        raise RuntimeError("boom")

    response = failing.test_client().get("/boom", headers={"Accept-Language": "ru"})
    with failing.app_context():
        db.engine.dispose()  # this second app's connections close now, not at collection
    assert response.status_code == 500
    assert "Что-то пошло не так" in response.get_data(as_text=True)
    assert in_app(lambda: db.session.query(Branch).filter_by(code="XX").count()) == 0


def test_csrf_is_enforced_on_forms(app, create_user):
    person = create_user("candidate")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": person.email,
                                               "password": person.password})
        assert response.status_code == 400
        # The language switch: tests/web/test_security.py (a visitor's needs no token).
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_production_cookies_are_secure_and_host_bound(monkeypatch, tmp_path):
    monkeypatch.delenv("CERTIFY_DEMO", raising=False)
    monkeypatch.delenv("CERTIFY_SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"SECRET_KEY": "x" * 48, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                      "PUBLIC_BASE_URL": "https://certify.example"})
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    response = app.test_client().get("/login", base_url="https://certify.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie  # __Host- cookies must be host-only


def test_demo_cookies_work_over_plain_http(monkeypatch):
    monkeypatch.delenv("CERTIFY_SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"DEMO": True, "DATABASE_URL": "sqlite://"})
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie


@pytest.mark.parametrize(("demo", "environment", "required"), [
    (False, None, True),     # production: staff must use a second factor
    (True, None, False),     # the local demo lets staff demo accounts straight in
    (True, "true", True),    # unless the environment insists
])
def test_second_factor_is_required_outside_the_demo(monkeypatch, demo, environment, required):
    monkeypatch.delenv("CERTIFY_REQUIRE_SECOND_FACTOR", raising=False)
    if environment is not None:
        monkeypatch.setenv("CERTIFY_REQUIRE_SECOND_FACTOR", environment)
    app = create_app({"DEMO": demo, "SECRET_KEY": "x" * 48, "DATABASE_URL": "sqlite://",
                      "PUBLIC_BASE_URL": "https://certify.example"})
    assert app.config["REQUIRE_SECOND_FACTOR"] is required


def test_sqlite_runs_in_wal_with_full_sync(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    with app.app_context():
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(db.text("PRAGMA synchronous")).scalar() == 2  # FULL


@pytest.mark.parametrize(("hops", "client_address", "secure"), [
    (0, "127.0.0.1", False),  # no proxy configured: forwarded headers are forgeries
    (1, "203.0.113.7", True),
])
def test_forwarded_headers_are_believed_only_from_configured_proxies(app, hops, client_address,
                                                                       secure):
    proxied = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                          "TRUSTED_PROXIES": hops})

    @proxied.get("/_probe")
    def probe():
        return {"address": request.remote_addr, "secure": request.is_secure}

    response = proxied.test_client().get(
        "/_probe", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert response.json == {"address": client_address, "secure": secure}
    assert ("Strict-Transport-Security" in response.headers) is secure
