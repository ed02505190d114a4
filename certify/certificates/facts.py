"""What a credential says it is about -- holder, title, number, issuer -- read from it as it
stands, for the check's result (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _text(value: Any) -> str:
    """A text as credentials write it: a string, or (before the schema-conformant shape) a
    list of language value objects, of which the first."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return str(value[0].get("@value", ""))
    return ""


def stated_facts(document: Mapping[str, Any]) -> dict[str, str]:
    """What a credential says it is about -- holder, title, number, issuer -- as it states
    them (trusted only as far as its checks passed)."""
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    identifiers = subject.get("identifier")
    names = [item.get("identityHash") for item in identifiers or []
             if isinstance(item, dict) and item.get("identityType") == "name"
             and not item.get("hashed") and isinstance(item.get("identityHash"), str)]
    achievement = subject.get("achievement")
    issuer = document.get("issuer")
    return {
        "holder": " / ".join(names),
        "title": _text(achievement.get("name")) if isinstance(achievement, dict) else "",
        "number": str(subject.get("licenseNumber") or ""),
        "issuer": (_text(issuer.get("name")) or str(issuer.get("id") or "")
                   if isinstance(issuer, dict) else str(issuer or "")),
    }
