"""Complaints (ISO/IEC 17024 §9.9): anyone files one about a certificate holder or about the
process, without an account, and follows it by a secret link; staff not involved investigate
and record the outcome, which may suspend or withdraw the certificate."""
