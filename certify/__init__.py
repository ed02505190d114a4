"""certify: competence assessment and certification in mining engineering."""

from certify.app import create_app

__all__ = ["create_app"]
