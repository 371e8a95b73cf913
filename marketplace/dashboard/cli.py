import click
from flask.cli import AppGroup

from marketplace.dashboard import counters, services
from marketplace.dashboard.queries import Filters
from marketplace.extensions import db

cli = AppGroup("dashboard", help="The dashboard's counters.")


@cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the counters from every challenge (after a bulk load outside the app)."""
    count = counters.rebuild(db.session)
    db.session.commit()
    click.echo(f"counted {count} challenges")


@cli.command("check")
@click.option("--year", type=int, default=None)
def check_command(year: int | None) -> None:
    """Compare the counters' figures with a computation from scratch; exit 1 if they
    differ (takes seconds at national scale: an operator's check, never a request's)."""
    filters = Filters(year=year)
    from marketplace.types import utcnow

    now = utcnow()
    kept = services.fold(services.figures(db.session, filters), now)
    fresh = services.fold(services.recount(db.session, filters), now)
    differ = [name for name in fresh if kept[name] != fresh[name]]
    if differ:
        click.echo(f"the counters differ from a recount: {', '.join(differ)}", err=True)
        raise SystemExit(1)
    click.echo("the counters equal a recount")
