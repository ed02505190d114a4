"""Referees who vouch for specific claims of an application (issue 19; docs/referees.md)."""
