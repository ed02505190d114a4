"""Assessments: competitions, applications, reviews, scoring, decisions, appeals, analytics."""
