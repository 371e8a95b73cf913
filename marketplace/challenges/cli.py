import click
from flask.cli import AppGroup

from marketplace.challenges import services
from marketplace.extensions import db

cli = AppGroup("challenges", help="The challenges domain.")


@cli.command("close-expired")
def close_expired() -> None:
    """Close every published challenge whose submission deadline has passed, and start
    the evaluation of every phase whose results deadline has passed (issue 17)."""
    from marketplace.phases.services import close_expired as close_expired_phases

    closed = services.close_expired(db.session)
    phases = close_expired_phases(db.session)
    db.session.commit()
    click.echo(f"{closed} challenge(s) closed")
    if phases:
        click.echo(f"{phases} phase(s) closed for results")
