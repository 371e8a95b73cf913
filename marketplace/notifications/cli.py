import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.notifications import outbox, services

cli = AppGroup("mail", help="The outgoing mail.")


@cli.command("send")
@click.option("--limit", default=500, show_default=True)
def send_command(limit: int) -> None:
    """Send the outbox mail that is due (failed mail is retried later, with backoff)."""
    report = outbox.send_due(db.session, limit=limit)
    click.echo(f"sent {report.sent}, failed {report.failed} (kept for retry)")


@cli.command("remind-deadlines")
@click.option("--days", default=3, show_default=True)
def remind_deadlines_command(days: int) -> None:
    """Remind solvers whose draft is unsent when the deadline is near (once per draft)."""
    count = services.remind_deadlines(db.session, days=days)
    db.session.commit()
    click.echo(f"reminded {count} drafts")
