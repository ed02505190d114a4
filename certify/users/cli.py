"""Commands for people: ``flask --app certify create-user``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from certify.core.errors import DomainError
from certify.core.extensions import db
from certify.core.passwords import password_problems
from certify.users.models import Branch, Role
from certify.users.operations import create_user


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name as on a certificate.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([role.value for role in Role]))
@click.option("--branch", "branch_code", help="Branch code (required for coordinators).")
@click.option("--country", default="KZ", show_default=True)
@click.option("--affiliation", default="")
@click.option("--language", default="en", type=click.Choice(["en", "ru", "kk"]))
@click.password_option(help="Asked for when not given.")
def create_user_command(email, full_name, roles, branch_code, country, affiliation, language,
                        password) -> None:
    """Create an account for a real deployment."""
    branch = None
    if branch_code:
        branch = db.session.scalar(sa.select(Branch).where(Branch.code == branch_code.upper()))
        if branch is None:
            raise click.BadParameter(f"no branch with code {branch_code}", param_hint="--branch")
    problems = password_problems(password)
    if problems:
        raise click.BadParameter(" ".join(problems), param_hint="--password")
    try:
        user = create_user(email=email, password=password, full_name=full_name, country=country,
                           roles=roles, branch=branch, affiliation=affiliation,
                           preferred_language=language)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(roles))}")


COMMANDS = (create_user_command,)
