"""The built wheel is a working install (issue 17): catalogs compiled by the build hook,
templates, migrations, static files, rubric library and fonts inside the package. Built from
this checkout, installed into a fresh virtual environment, it migrates an empty SQLite database
and answers a Russian /verify page -- run from a folder that is not the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support import ON_POSTGRES

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="the wheel runs on its own SQLite database: once, in the SQLite pass")

PROBE = """
import json, certify
from certify.web.app import create_app
app = create_app()
page = app.test_client().get("/verify/CME-KZ-2026-000001", headers={"Accept-Language": "ru"})
print(json.dumps({"package": certify.__file__, "templates": app.template_folder,
                  "status": page.status_code, "text": page.get_data(as_text=True)}))
"""


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_wheel_installs_migrates_and_serves_russian(tmp_path):
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "dist"), str(ROOT)])
    (wheel,) = (tmp_path / "dist").glob("certify-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("certify/translations/ru/LC_MESSAGES/messages.mo",
                    "certify/translations/kk/LC_MESSAGES/messages.mo",
                    "certify/templates/base.html", "certify/migrations/env.py",
                    "certify/static/style.css", "certify/certificates/fonts/DejaVuSans.ttf",
                    "certify/certificates/emblems/centre.svg",
                    "rubrics/library/cme.json"):
        assert shipped in names, shipped
    assert not any(name.startswith(("templates/", "migrations/")) for name in names)

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)])
    # The dependencies come from this environment, appended after the new one's own packages
    # (a path in a .pth file: the checkout's editable install is not picked up from there).
    new_site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                         "['purelib'])"]).stdout.strip())
    (new_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CERTIFY_DEMO": "1",
           "CERTIFY_INSTANCE_PATH": str(tmp_path / "instance")}
    run([str(python), "-m", "flask", "--app", "certify", "db", "upgrade"], cwd=elsewhere,
        env=env)
    answer = json.loads(run([str(python), "-c", PROBE], cwd=elsewhere, env=env).stdout)
    assert answer["package"].startswith(str(new_site))
    assert answer["templates"].startswith(str(new_site))
    assert answer["status"] == 404  # an empty database: no such certificate, said in Russian
    assert "Сертификат не найден" in answer["text"]
