"""Prometheus metrics at `GET /metrics` (prometheus_client), off unless `METRICS_ENABLED`.

- `marketplace_request_duration_seconds` (histogram): every request's latency, labelled
  by method, route (the URL rule, never the URL) and status;
- read from the database at each scrape: `marketplace_outbox_backlog` (mail not sent
  yet and not given up), `marketplace_outbox_oldest_due_seconds` (age of the oldest mail
  that is due now; 0 when none is), `marketplace_search_pending` (index updates not
  applied yet) and `marketplace_payments_awaiting_confirmation` (payments still pending).

Only aggregate numbers: nothing about a person. With several gunicorn workers set
`PROMETHEUS_MULTIPROC_DIR` (an empty directory, emptied at each start) so that the
latencies of every worker are summed up at each scrape. Keep the route off the public
internet (e.g. nginx `location = /metrics { allow 10.0.0.0/8; deny all; }`)."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def backlog_figures(session) -> dict[str, float]:
    """The figures read from the database at each scrape (see the module's docstring)."""
    from marketplace.notifications import outbox
    from marketplace.payments.models import Payment, PaymentStatus
    from marketplace.search.models import SearchPending
    from marketplace.types import utcnow

    now = utcnow()
    oldest = outbox.oldest_due(session, now)
    return {
        "outbox_backlog": outbox.backlog(session),
        "outbox_oldest_due_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "search_pending": session.scalar(select(func.count(SearchPending.id))) or 0,
        "payments_awaiting_confirmation": session.scalar(select(func.count(Payment.id)).where(
            Payment.status == PaymentStatus.PENDING)) or 0,
    }


HELP = {
    "outbox_backlog": "Outbox mail not sent yet (and not given up).",
    "outbox_oldest_due_seconds": "Age of the oldest outbox mail that is due now.",
    "search_pending": "Search index updates not applied yet.",
    "payments_awaiting_confirmation": "Payments still pending confirmation.",
}


class BacklogCollector:
    """Gauges read from the database when Prometheus scrapes (in the scrape's request)."""

    def collect(self):
        from marketplace.extensions import db

        for name, value in backlog_figures(db.session).items():
            yield GaugeMetricFamily(f"marketplace_{name}", HELP[name], value=value)


def _registry(app: Flask) -> CollectorRegistry:
    """What `/metrics` shows: this process's latencies — or, in multi-process mode, every
    worker's — and the backlog gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(BacklogCollector())
        return registry
    return app.extensions["metrics"]["registry"]


def metrics_view():
    registry = _registry(current_app)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        current_app.extensions["metrics"]["latency"].labels(
            request.method, route, str(response.status_code)
        ).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("METRICS_ENABLED"):
        return
    registry = CollectorRegistry()
    latency = Histogram("marketplace_request_duration_seconds",
                        "Time to answer a request, by route.", ("method", "route", "status"),
                        buckets=BUCKETS, registry=registry)
    registry.register(BacklogCollector())
    app.extensions["metrics"] = {"registry": registry, "latency": latency}
    app.before_request(_start)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_view)
