import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.scorecards import flags

cli = AppGroup("flags", help="The red flags (issue 18).")


@cli.command("recompute")
def recompute() -> None:
    """Recompute every red flag now (the worker does it every 15 minutes)."""
    count = flags.recompute(db.session, flags.Thresholds.from_config(current_app.config))
    db.session.commit()
    click.echo(f"{count} red flag(s)")
