"""The Node harness of tests/interop (verify.mjs: Digital Bazaar's vc, DCC's verifier-core, the
1EdTech OB 3.0 JSON Schema, JSON-LD safe mode) for the tests that judge our credentials with
it: the certificates' (tests/certificates/test_interop.py) and the reviewers' credentials'."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

INTEROP = Path(__file__).resolve().parents[1] / "interop"
NODE_TIMEOUT_SECONDS = 300


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules").is_dir():
        missing = "node" if node is None else "tests/interop/node_modules (run `make interop`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"interop tests need {missing} (CI=true)")
        pytest.skip(f"interop tests need {missing}")
    return node


def served_addresses(documents: dict[str, dict]) -> set[str]:
    """Every address a verifier of these credentials asks for: status lists, the issuer (its
    profile, or its did:web document)."""
    addresses = set()
    for document in documents.values():
        entries = document.get("credentialStatus") or []
        for entry in [entries] if isinstance(entries, dict) else entries:
            addresses.add(entry["statusListCredential"])
        issuer = document["issuer"]
        issuer_id = issuer["id"] if isinstance(issuer, dict) else issuer
        if issuer_id.startswith("did:web:"):
            host, *segments = map(unquote, issuer_id.removeprefix("did:web:").split(":"))
            where = "/".join(segments) if segments else ".well-known"
            addresses.add(f"https://{host}/{where}/did.json")
        else:
            addresses.add(issuer_id)
    return addresses


def write_fixtures(client, documents: dict[str, dict], directory: Path) -> None:
    """The directory verify.mjs reads: credentials/, documents/ and served.json."""
    for sub in ("credentials", "documents", "served"):
        (directory / sub).mkdir(parents=True)
    for case, document in documents.items():
        (directory / "credentials" / f"{case}.json").write_text(json.dumps(document, indent=1))
    served = {}
    for number, address in enumerate(sorted(served_addresses(documents))):
        response = client.get(urlsplit(address).path)
        assert response.status_code == 200, address
        name = f"served/{number}.json"
        (directory / name).write_text(response.get_data(as_text=True))
        served[address] = name
    (directory / "served.json").write_text(json.dumps(served, indent=1))
    issuer = client.get("/issuer")
    (directory / "documents" / "issuer.json").write_text(issuer.get_data(as_text=True))
    did = client.get("/.well-known/did.json")
    if did.status_code == 200:
        (directory / "documents" / "did.json").write_text(did.get_data(as_text=True))


class HarnessError(RuntimeError):
    """The Node harness itself failed (not a verdict): never an expected failure."""


def node_script(node: str, script: str, directory: Path) -> str:
    completed = subprocess.run(  # noqa: S603 -- our own script, arguments we built
        [node, str(INTEROP / script), str(directory)], capture_output=True, text=True,
        timeout=NODE_TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0:
        raise HarnessError(f"{script} exited {completed.returncode}: {completed.stderr[-4000:]}")
    return completed.stdout


def run_harness(node: str, directory: Path) -> dict[tuple[str, str], dict]:
    lines = node_script(node, "verify.mjs", directory).splitlines()
    results = [json.loads(line) for line in lines if line.strip()]
    return {(r["tool"], r["subject"]): r for r in results}
