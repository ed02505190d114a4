"""The structure holds: layers import only downward, the pure cores need neither Flask nor the
ORM, no module grows past 500 lines, tests import helpers only from tests/support.py.

docs/architecture.md describes the layers; pyproject.toml's [tool.importlinter] states them.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import certify
from certify.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("certify", "rubrics", "assessments")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# What the pure cores must load without: the web framework, the ORM, our database layer.
BLOCKED = ("flask", "flask_sqlalchemy", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy",
           "werkzeug", "wtforms")
# Pure modules the credentials core is built from (its proofs, RDF canonicalisation, contexts),
# what a checked credential states, and the printed certificate's layout.
PURE_SIBLINGS = ("certify.certificates.proofs", "certify.certificates.rdfc",
                 "certify.certificates.offline_contexts", "certify.certificates.facts",
                 "certify.certificates.pdf", "certify.certificates.pdf_ornaments")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=120, check=False)


@pytest.mark.parametrize("module", ["assessments.scoring", "assessments.reliability",
                                    "certify.certificates.credentials", *PURE_SIBLINGS])
def test_pure_cores_import_without_flask_or_the_orm(module):
    """Importing the module loads nothing of ours but the module, its parent packages (whose
    __init__ holds only a docstring) and other pure modules, and needs none of the blocked
    libraries."""
    parents = [module.rsplit(".", depth)[0] for depth in range(module.count(".") + 1)]
    siblings = (PURE_SIBLINGS if module.startswith("certify.certificates.")
                else ("assessments.scoring",))
    allowed = sorted({*parents, *siblings})
    program = f"""
import importlib.abc, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked in this test: " + name)

sys.meta_path.insert(0, Refuse())
import {module}
ours = sorted(m for m in sys.modules if m.split(".")[0] in {PACKAGES!r})
assert {module!r} in ours and set(ours) <= set({allowed!r}), ours
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_a_wrong_way_import_breaks_the_layer_contract(tmp_path):
    """The contract can fail: a core module that imports the assessments layer is refused."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("translations", "static", "fonts",
                                                      "library", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    errors = tmp_path / "certify" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nimport assessments.models  # wrong way\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert "certify.core is not allowed to import assessments" in result.stdout
    assert "certify.core.errors -> assessments.models" in result.stdout


def _production_modules():
    for package in PACKAGES:
        yield from (ROOT / package).rglob("*.py")


def test_no_production_module_is_over_500_lines():
    long = {str(path.relative_to(ROOT)): count for path in _production_modules()
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_tests_import_helpers_only_from_the_support_module():
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("tests.") and not module.startswith("tests.support"):
                offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []


def test_the_package_hands_over_the_app_factory_on_first_use():
    """`flask --app certify` and gunicorn's `certify:create_app()` find the factory."""
    assert certify.create_app is create_app
    with pytest.raises(AttributeError, match="no attribute 'make_app'"):
        certify.make_app  # noqa: B018 - Flask probes this name too
