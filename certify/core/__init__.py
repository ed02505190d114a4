"""Layer 0: what every package stands on — database and extensions, audit log, languages,
passwords, uploads, the outbox, absolute URLs, domain errors, CSV/XLSX writing."""
