"""The public address (issue 15): whatever address the site is served at is the one named in
credentials, QR codes, share and LinkedIn links, mails, the API and the bulk CSV. `make run`
passes its HOST and PORT on; production refuses to start without CERTIFY_PUBLIC_BASE_URL."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from certify.certificates import credentials as vc
from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.web.app import create_app
from tests.support import login, scan_qr

BASE = "http://192.0.2.10:8123"
PROJECT = Path(__file__).resolve().parents[2]


def _make_run(**environment) -> str:
    """What `make run` would run (dry run: nothing is built or started)."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("CERTIFY_PUBLIC_BASE_URL", "HOST", "PORT", "MAKEFLAGS")}
    result = subprocess.run(  # noqa: S603 - make, our own Makefile
        [shutil.which("make") or "make", "--no-print-directory", "-n", "-B", "run",
         "HOST=192.0.2.10", "PORT=8123"],
        cwd=PROJECT, env={**env, **environment}, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_names_its_host_and_port():
    commands = _make_run()
    served = [line for line in commands.splitlines() if " run --host" in line]
    loaded = [line for line in commands.splitlines() if line.rstrip().endswith(" demo")]
    assert served and loaded
    for line in served + loaded:  # the demo's credentials are signed for that address too
        assert f"CERTIFY_PUBLIC_BASE_URL={BASE} " in line
    assert ":5000" not in commands
    chosen = _make_run(CERTIFY_PUBLIC_BASE_URL="https://certify.example.org")
    assert "CERTIFY_PUBLIC_BASE_URL=https://certify.example.org " in chosen
    assert BASE not in chosen


@pytest.fixture
def production(monkeypatch, tmp_path):
    """create_app as production calls it: no TESTING, no DEMO, the address from the env."""
    for name in ("CERTIFY_PUBLIC_BASE_URL", "CERTIFY_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERTIFY_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("CERTIFY_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")

    def start(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return create_app()

    return start


def test_production_refuses_to_start_without_the_public_address(production):
    with pytest.raises(RuntimeError, match="CERTIFY_PUBLIC_BASE_URL is not set"):
        production()
    with pytest.raises(RuntimeError, match="CERTIFY_PUBLIC_BASE_URL must be an http"):
        production(CERTIFY_PUBLIC_BASE_URL="certify.example.org")
    app = production(CERTIFY_PUBLIC_BASE_URL="https://certify.example.org/")
    assert app.config["PUBLIC_BASE_URL"] == "https://certify.example.org/"


def test_the_demo_and_the_tests_have_a_local_default(production):
    assert production(CERTIFY_DEMO="1").config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).config[
        "PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


def test_every_public_link_names_the_configured_address(app, client, monkeypatch, award,
                                                        create_user, in_app):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE)
    candidate = create_user("candidate")
    award(candidate)
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number)))
    page = f"{BASE}/verify/{number}"

    credential = client.get(f"/certificates/{number}/credential.json").get_json()
    assert credential["issuer"]["id"] == vc.did_web(BASE)  # the DID of the address
    assert credential["evidence"][0]["id"] == page
    assert credential["credentialStatus"]["statusListCredential"].startswith(BASE)
    assert scan_qr(client.get(f"/certificates/{number}.pdf?lang=en").data) == [page]
    assert client.get(f"/api/v1/certificates/{number}").get_json()["verify_url"] == page
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [
        {"url": f"{BASE}/api/v1"}]
    bulk = client.post("/verify/bulk", data={
        "file": (io.BytesIO(number.encode()), "numbers.csv"), "download": "y"})
    assert [row["Verification page"] for row in csv.DictReader(io.StringIO(bulk.get_data(
        as_text=True)))] == [page]

    holder = app.test_client()
    login(holder, candidate)
    own = holder.get(f"/my/certificates/{number}").get_data(as_text=True)
    assert page in own  # the share link
    assert quote(page, safe="") in own  # inside the LinkedIn link

    client.post("/password/forgot", data={"email": candidate.email})
    body = in_app(lambda: db.session.scalar(
        sa.select(Notification.body).where(Notification.kind == "password-reset")))
    assert re.search(rf"{re.escape(BASE)}/password/reset/\S+", body)
    for text in (str(credential), own, body):
        assert "127.0.0.1:5000" not in text


def test_the_demo_signs_its_credentials_again_for_a_new_address(app, runner, client,
                                                                 monkeypatch, in_app):
    """`make run` once on :5000, then with another HOST/PORT: the demo's certificates verify at
    the new address (their credentials named the old one)."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    number = in_app(lambda: db.session.scalar(sa.select(Certificate.number).where(
        Certificate.revoked_at.is_(None)).order_by(Certificate.id.desc())))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    count = in_app(lambda: db.session.scalar(sa.select(sa.func.count(Certificate.id))))
    assert f"credentials of {count} certificates signed again for {BASE}" in again.output
    credential = client.get(f"/certificates/{number}/credential.json").get_json()
    assert credential["issuer"]["id"] == vc.did_web(BASE)
    assert client.post("/api/v1/verify", json=credential).get_json()["verified"] is True
    assert "nothing changed" in runner.invoke(args=["demo"]).output
