import click
from flask.cli import AppGroup

from marketplace.audit.services import verify_chain
from marketplace.extensions import db

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the hash chain; exit 1 and name the first broken event if it is broken."""
    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"audit chain ok: {report.checked} events")
        return
    click.echo(
        f"audit chain BROKEN at event {report.broken_id}: {report.reason} "
        f"({report.checked} events before it are intact)",
        err=True,
    )
    raise SystemExit(1)
