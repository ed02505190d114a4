"""The application factory: a checklist of what an app is made of."""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

# Importing each package's views attaches their routes to that package's blueprints.
import assessments.views  # noqa: F401
import certify.alerts.views  # noqa: F401
import certify.certificates.views  # noqa: F401
import certify.users.views  # noqa: F401
import certify.web.jobs_views  # noqa: F401
import certify.web.records  # noqa: F401
import certify.web.views  # noqa: F401
import rubrics.views  # noqa: F401
from assessments.blueprint import bp as assessments_bp
from certify.alerts.blueprint import bp as alerts_bp
from certify.certificates import keys
from certify.certificates.blueprint import api_bp
from certify.certificates.blueprint import bp as certificates_bp
from certify.core import public_cache
from certify.core.checkpoints import EXTENSION as AUDIT_SIGNER
from certify.core.checkpoints import AuditSigner
from certify.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from certify.core.i18n import select_locale
from certify.users.blueprint import auth_bp, branches_bp
from certify.users.blueprint import bp as users_bp
from certify.users.privacy import load_signed_in_user
from certify.web import cli, errors, models, security, templating  # noqa: F401 - models: every table
from certify.web.blueprint import bp as main_bp
from certify.web.config import INSTANCE_SETTINGS, LOCAL_BASE_URL, Config, TestConfig
from rubrics.blueprint import bp as rubrics_bp

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # certify/: static files and translations
PROJECT_ROOT = PACKAGE_ROOT.parent  # templates/ and migrations/ in a checkout


def _shipped(name: str) -> Path:
    """``templates`` or ``migrations``: inside the package when installed from the wheel
    (pyproject.toml puts them there), else at the top of the checkout."""
    inside = PACKAGE_ROOT / name
    return inside if inside.is_dir() else PROJECT_ROOT / name


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        root_path=str(PACKAGE_ROOT),
        template_folder=str(_shipped("templates")),
        instance_relative_config=True,
        # None: Flask's default, instance/ beside the project.
        instance_path=os.environ.get("CERTIFY_INSTANCE_PATH") or None,
    )
    configure_app(app, config)
    configure_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_cli(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind a reverse proxy, take the client's address and scheme from its headers.

    Only as many hops as TRUSTED_PROXIES says: a client could otherwise forge X-Forwarded-For
    and escape the login throttle, or pose as HTTPS.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_app(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    testing = bool(overrides and overrides.get("TESTING"))
    app.config.from_object(TestConfig if testing else Config)
    if not testing:
        # What `flask demo` wrote (or an operator keeps) in the instance folder, so that every
        # command of the README works on the demo instance without its environment; the
        # environment still wins.
        app.config.from_file(INSTANCE_SETTINGS, load=tomllib.load, text=False, silent=True)
    app.config.from_prefixed_env("CERTIFY")
    if overrides:
        app.config.update(overrides)
    relax_for_demo(app.config)
    configure_cookies(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'certify.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if not app.config.get("SECRET_KEY"):
        if app.config.get("DEMO"):
            app.config["SECRET_KEY"] = _demo_secret_key(Path(app.instance_path))
        else:
            raise RuntimeError(
                "CERTIFY_SECRET_KEY is not set. Set it to a long random value "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or set CERTIFY_DEMO=1 for a local demo."
            )
    require_public_base_url(app.config)


def require_public_base_url(config) -> None:
    """Every signed credential, QR code and mailed link names the public address, and cannot
    be taken back once printed or sent: production names it or does not start. The demo
    (`make run` passes its HOST and PORT) falls back to flask run's own address."""
    if not config.get("PUBLIC_BASE_URL") and config.get("DEMO"):
        config["PUBLIC_BASE_URL"] = LOCAL_BASE_URL
    url = config.get("PUBLIC_BASE_URL")
    if not url:
        raise RuntimeError(
            "CERTIFY_PUBLIC_BASE_URL is not set. Set it to the address the public reaches this "
            "site at, e.g. https://certify.example.org: signed credentials, QR codes, status "
            "lists, mails and the API name it. Or set CERTIFY_DEMO=1 for a local demo.")
    if not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", url):
        raise RuntimeError(
            f"CERTIFY_PUBLIC_BASE_URL must be an http:// or https:// address (e.g. "
            f"https://certify.example.org), not {url!r}.")


def relax_for_demo(config) -> None:
    """`make run` serves plain HTTP to one person trying the demo accounts.

    A Secure cookie would never be sent back over HTTP, and a required second factor would stop
    every demo staff login at an authenticator enrolment. The environment can still insist.
    """
    if not config.get("DEMO"):
        return
    if "CERTIFY_SESSION_COOKIE_SECURE" not in os.environ:
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = False
    if "CERTIFY_REQUIRE_SECOND_FACTOR" not in os.environ:
        config["REQUIRE_SECOND_FACTOR"] = False


def configure_cookies(config) -> None:
    if config["SESSION_COOKIE_SECURE"] and config.get("SESSION_COOKIE_NAME") == "session":
        # __Host- makes browsers accept the cookie only when Secure, host-only and for path /,
        # so a sibling subdomain cannot plant or overwrite it (RFC 6265bis, ASVS 3.3.1).
        config["SESSION_COOKIE_NAME"] = "__Host-session"
    if config.get("REMEMBER_COOKIE_SECURE") and "REMEMBER_COOKIE_NAME" not in config:
        config["REMEMBER_COOKIE_NAME"] = "__Host-remember_token"


def _demo_secret_key(instance: Path) -> str:
    """The demo keeps a generated key in the instance folder, so sessions survive restarts."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        os.chmod(key_file, 0o600)
    return key_file.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys unless asked; FULL sync keeps committed writes after a crash.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        # WAL lets readers (e.g. the public verification page) proceed while a write commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_shipped("migrations")))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    public_cache.init_app(app)
    # Audit checkpoints are signed with the issuer's key, which core does not know.
    app.extensions[AUDIT_SIGNER] = AuditSigner(
        sign=keys.sign_bytes, verify=keys.verify_bytes, trusted=keys.trusted_public_keys,
        prepare=keys.signing_key)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_signed_in_user)
    login_manager.login_message = _l("Please log in to open this page.")


def register_blueprints(app: Flask) -> None:
    for blueprint in (main_bp, auth_bp, users_bp, branches_bp, certificates_bp, rubrics_bp,
                      assessments_bp, api_bp, alerts_bp):
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    errors.register(app)


def register_request_hooks(app: Flask) -> None:
    security.register(app)


def register_template_helpers(app: Flask) -> None:
    templating.register(app)


def register_cli(app: Flask) -> None:
    cli.register(app)
