import os

import click
from flask.cli import AppGroup

from marketplace.accounts import services
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.extensions import db

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Quản trị viên", help="Full name.")
def create_admin(email: str, name: str) -> None:
    """Create an administrator (password from ADMIN_PASSWORD or asked for)."""
    password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    existing = services.find_user_by_email(db.session, email)
    if existing is not None:
        if existing.is_admin:
            click.echo(f"{existing.email} is already an administrator")
            return
        existing.is_admin = True
        record(db.session, None, "user.made_admin", existing)
        db.session.commit()
        click.echo(f"{existing.email} is now an administrator")
        return
    try:
        user = services.register(db.session, email=email, password=password, full_name=name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    user.is_admin = True
    record(db.session, None, "user.made_admin", user)
    db.session.commit()
    click.echo(f"administrator {user.email} created")
