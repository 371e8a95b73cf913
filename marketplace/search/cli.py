import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.search import services

cli = AppGroup("search", help="The search index.")


@cli.command("sync")
@click.option("--timeout", default=30.0, show_default=True,
              help="Seconds to wait for another process's index writer.")
def sync_command(timeout: float) -> None:
    """Apply the pending index updates."""
    applied = services.apply_pending(db.session, timeout=timeout)
    if applied is None:
        click.echo("search index busy: pending updates left for the next run", err=True)
        raise SystemExit(1)
    click.echo(f"applied {applied} pending index updates")


@cli.command("rebuild")
@click.option("--timeout", default=60.0, show_default=True)
def rebuild_command(timeout: float) -> None:
    """Rebuild the index from the database."""
    try:
        count = services.rebuild(db.session, timeout=timeout)
    except services.IndexBusy:
        click.echo("search index busy: try again", err=True)
        raise SystemExit(1) from None
    click.echo(f"indexed {count} documents")
