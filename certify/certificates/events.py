"""What happens to a certificate's status, announced for the layers above (status alerts, issue
19) without this package importing them: a blinker signal, sent inside the operation's
transaction, so whatever a receiver writes commits or rolls back with the change itself.

``status_changed.send(certificate, event=..., at=..., renewed_by=None)``; ``event`` is one of
``EVENTS``; ``renewed_by`` is the new certificate of a renewal."""

from __future__ import annotations

from blinker import Namespace

SUSPENDED, REVOKED, REINSTATED, RENEWED, EXPIRED = (
    "suspended", "revoked", "reinstated", "renewed", "expired")
EVENTS = (SUSPENDED, REVOKED, REINSTATED, RENEWED, EXPIRED)

status_changed = Namespace().signal("certificate-status-changed")
