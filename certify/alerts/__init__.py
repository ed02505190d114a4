"""Status alerts (issue 19): an organisation that relies on a certificate subscribes to its
status, by email or a signed webhook, and is told when it is suspended, revoked, reinstated,
renewed or expires. Above the certificates package: it hears their events through
``certify.certificates.events`` and reads them; nothing below imports it."""
