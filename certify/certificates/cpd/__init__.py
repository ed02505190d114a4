"""The CPD logbook: holders record continuing professional development; per-track rules
weigh it, and renewal is decided on it (docs/cpd.md)."""
