"""`flask --app wsgi demo`: the demo data, for a local machine only.

Each step is idempotent on its own: it looks for what it would create and stops if it
is there, so a second run changes nothing and later steps can be added as the
marketplace grows."""

import click
from flask.cli import with_appcontext

from marketplace.demo import (
    accounts,
    challenges,
    complaints,
    evaluation,
    flags,
    orders,
    outcomes,
    people,
    phases,
    submissions,
)
from marketplace.extensions import db
from marketplace.search import services as search

STEPS = [accounts.load, challenges.load, submissions.load, evaluation.load, orders.load,
         complaints.load, outcomes.load, phases.load, flags.load, people.load]


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (idempotent: a second run changes nothing)."""
    for step in STEPS:
        message = step(db.session)
        db.session.commit()
        click.echo(message)
    # what the steps queued for the search index, indexed now: a visitor's first search
    # finds the demo's challenges (no request has applied them yet)
    applied = search.apply_pending(db.session, timeout=30)
    click.echo(f"search index: {applied or 0} changes applied")
    click.echo("Demo accounts use the password 'demo-password'. For a local machine only.")
