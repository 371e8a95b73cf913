"""Prometheus metrics (off by default) and `/readyz` (issue 15)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from marketplace import create_app, readiness
from marketplace.notifications import services as notification_services
from marketplace.notifications.models import OutboxEmail
from marketplace.search.models import SearchPending
from marketplace.types import utcnow


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.fixture
def metrics_app(app, tmp_path):
    """An app with METRICS_ENABLED on the tests' database."""
    metered = create_app({"ENV_NAME": "testing", "METRICS_ENABLED": True,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "UPLOAD_DIR": str(tmp_path / "uploads"),
                          "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    yield metered
    from marketplace.extensions import db

    with metered.app_context():
        db.session.remove()
        db.engine.dispose()


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the metrics")


def test_metrics_show_latency_by_route_and_the_backlogs(metrics_app, connection):
    from marketplace.extensions import db

    with metrics_app.app_context():  # on the test's rolled-back connection
        session = db.session
        session.add(OutboxEmail(to="a@example.vn", subject="s", body="b",
                                created_at=utcnow() - timedelta(minutes=5),
                                next_attempt_at=utcnow() - timedelta(minutes=5)))
        session.add(SearchPending(object_type="challenge", object_id=1))
        session.commit()
    client = metrics_app.test_client()
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'marketplace_request_duration_seconds_count{method="GET",route="/healthz",' \
           'status="200"} 1.0' in text
    assert _value(text, "marketplace_outbox_backlog") == 1
    assert 290 <= _value(text, "marketplace_outbox_oldest_due_seconds") <= 400
    assert _value(text, "marketplace_search_pending") == 1
    assert _value(text, "marketplace_payments_awaiting_confirmation") == 0
    assert "a@example.vn" not in text


def test_readyz_is_ready_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"] == {"database": "ok", "search_index": "ok", "outbox": "ok"}


def test_readyz_is_not_ready_when_the_outbox_is_not_draining(client, session, make_user):
    notification_services.notify(session, [make_user()], "order.signed", lambda: "x")
    email = session.query(OutboxEmail).one()
    email.created_at = email.next_attempt_at = utcnow() - timedelta(hours=1)
    session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["outbox"].startswith("oldest due mail waits")
    assert client.get("/healthz").status_code == 200  # still alive


def test_readyz_checks_a_configured_redis(client, app, monkeypatch):
    with socket.socket() as probe:  # a port where no Redis answers
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", f"redis://127.0.0.1:{port}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "ConnectionError"


def test_redis_urls_are_taken_from_every_setting_once():
    config = {"RATELIMIT_STORAGE_URI": "redis://h:6379/0", "CACHE_BACKEND": "redis",
              "CACHE_URL": "redis://h:6379/0", "JOBS_URL": "redis://h:6379/1"}
    assert readiness.redis_urls(config) == ["redis://h:6379/0", "redis://h:6379/1"]
    assert readiness.redis_urls({"RATELIMIT_STORAGE_URI": "memory://",
                                 "JOBS_URL": "sqlite:///x"}) == []
