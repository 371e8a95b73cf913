"""The worker: serves the job queue of `marketplace.jobs` (mail, search updates, red
flags, file sweeps, open data). `flask --app wsgi worker`, or
`python -m marketplace.worker` (with `MARKETPLACE_ENV`, as `wsgi.py` reads it)."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace import jobs


def run(app, *, workers: int | None = None) -> None:
    """Serve the queue until SIGINT/SIGTERM (Huey's consumer: threads, periodic jobs)."""
    queue = jobs.jobs(app)
    consumer = queue.huey.create_consumer(
        workers=workers or int(app.config.get("JOBS_WORKERS", 2)), worker_type="thread",
        periodic=True, check_worker_health=True)
    consumer.run()


@click.command("worker")
@click.option("--workers", type=int, default=None, help="Threads (default JOBS_WORKERS).")
@click.option("--drain", is_flag=True, help="Run what is queued now, then stop.")
@with_appcontext
def worker_command(workers: int | None, drain: bool) -> None:
    """Serve the job queue: outbox mail, search updates, red flags, file sweeps."""
    app = current_app._get_current_object()  # noqa: SLF001 - the app, not the proxy
    if drain:
        click.echo(f"ran {jobs.jobs(app).drain()} jobs")
        return
    run(app, workers=workers)


def main() -> None:  # pragma: no cover - `python -m marketplace.worker`
    from wsgi import app

    logging.basicConfig(level=logging.INFO)
    run(app)


if __name__ == "__main__":  # pragma: no cover
    main()
