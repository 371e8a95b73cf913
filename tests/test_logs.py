"""Structured logs (issue 15): a request id taken from or given to `X-Request-ID`, echoed
on the response and carried by the request's log records; one JSON record per request
with its route, method, status and duration; no personal data."""

from __future__ import annotations

import io
import json
import logging

import pytest

from marketplace import logs


@pytest.fixture
def json_lines():
    buffer = io.StringIO()
    handler = logs.make_handler("json", buffer)
    logger = logging.getLogger("marketplace")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_request_id_is_echoed_and_logged_with_route_status_and_duration(client, json_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert response.headers["X-Request-ID"] == "lb-7f3a9c21"
    [record] = [r for r in json_lines() if r["message"] == "request"]
    assert record["request_id"] == "lb-7f3a9c21" and record["route"] == "/healthz"
    assert record["status"] == 200 and record["method"] == "GET"
    assert isinstance(record["duration_ms"], float) and record["level"] == "INFO"


def test_a_new_id_when_none_or_a_strange_one_is_given(client, json_lines):
    first = client.get("/healthz").headers["X-Request-ID"]
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>x</script>"}
                     ).headers["X-Request-ID"]
    assert len(first) == 32 and len(odd) == 32 and first != odd
    assert [r["request_id"] for r in json_lines() if r["message"] == "request"] == [first, odd]


def test_the_route_not_the_url_and_no_personal_data(client, make_user, json_lines):
    user = make_user()
    client.post_form("/password/forgot", {"email": user.email})
    client.get(f"/search?q={user.email}")
    text = json.dumps(json_lines())
    assert user.email not in text and user.email.split("@")[0] not in text
    routes = {r["route"] for r in json_lines() if r["message"] == "request"}
    assert {"/password/forgot", "/search"} <= routes


def test_text_format_in_development_and_json_in_production():
    from config import DevelopmentConfig, ProductionConfig

    assert DevelopmentConfig.LOG_FORMAT == "text" and ProductionConfig.LOG_FORMAT == "json"
    buffer = io.StringIO()
    handler = logs.make_handler("text", buffer)
    handler.handle(logging.LogRecord("marketplace.x", logging.INFO, __file__, 1, "hello",
                                     None, None))
    assert "INFO [-] marketplace.x: hello" in buffer.getvalue()
    record = logging.LogRecord("marketplace.request", logging.INFO, __file__, 1, "request",
                               None, None)
    record.__dict__.update(route="/healthz", method="GET", status=200, duration_ms=1.5)
    handler.handle(record)
    assert "marketplace.request: request GET /healthz 200 1.5 ms" in buffer.getvalue()
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.make_handler("xml")
