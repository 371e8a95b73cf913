import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.files import services

cli = AppGroup("files", help="The stored upload files.")


@cli.command("sweep")
@click.option("--grace", type=float, default=None,
              help="Seconds a file must be unreferenced and untouched (FILES_SWEEP_GRACE).")
def sweep_command(grace: float | None) -> None:
    """Remove stored files that no row references (left by crashed uploads)."""
    report = services.sweep(db.session, grace=grace)
    click.echo(f"removed {report.removed} unreferenced files, kept {report.kept}")
