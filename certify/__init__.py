"""certify: competence assessment and certification in mining engineering.

The layers inside (each imports only those below it; `make lint` checks it):
``certify.core`` → ``certify.users`` → ``rubrics`` → ``certify.certificates`` →
``assessments`` → ``certify.web``. See docs/architecture.md.
"""


def __getattr__(name: str):
    # `flask --app certify` and `gunicorn 'certify:create_served_app()'` look up the factories
    # here. They are loaded on first use so that importing a pure module (e.g.
    # certify.certificates.credentials) does not build the web application and its dependencies.
    if name == "create_app":
        from certify.web.app import create_app

        return create_app
    if name == "create_served_app":  # warmed before it serves (certify/web/warm_up.py)
        from certify.web.warm_up import create_served_app

        return create_served_app
    raise AttributeError(f"module 'certify' has no attribute {name!r}")
