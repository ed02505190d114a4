"""Reviewer calibration (issue 18): an anonymised exemplar file with reference levels, scored
by each reviewer before their first review in a competition, and how far they were."""
