import click
from flask.cli import AppGroup

from marketplace.challenges import services
from marketplace.extensions import db

cli = AppGroup("challenges", help="The challenges domain.")


@cli.command("close-expired")
def close_expired() -> None:
    """Close every published challenge whose submission deadline has passed."""
    closed = services.close_expired(db.session)
    db.session.commit()
    click.echo(f"{closed} challenge(s) closed")
