"""The top layer: the app factory, the CLI registry, error pages, templating, security headers,
the home page and dashboard, backup and demo data."""
