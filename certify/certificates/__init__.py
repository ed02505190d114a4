"""Certificates: numbering, status, signed Open Badges 3.0 credentials, PDFs, public verification
and its JSON API, renewals."""
