"""Structured logs: one JSON object a line (python-json-logger) in production, a
readable line in development, chosen by `LOG_FORMAT` ("json", production's default, or
"text"). Every request gets a request id — the `X-Request-ID` it came with, when that is
a plain token, or a new one — echoed on the response and carried by every log record
written while it is served, and ends with one `request` record: its route (the URL rule,
never the URL: no ids, tokens or query strings), method, status and duration.

No personal data: the request records hold no address, email, user id, URL or form
value, and modules name things by their ids (e.g. an outbox message, never its
recipient)."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")  # anything else is replaced
LOGGERS = ("marketplace", "huey")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (g.get("request_id", "-") if has_request_context() else "-")
        return True


class _TextFormatter(logging.Formatter):
    """The readable line, with a request's route, status and duration after its message."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if hasattr(record, "route"):
            line += (f" {record.method} {record.route} {record.status}"
                     f" {record.duration_ms} ms")
        return line


class _StreamHandler(logging.StreamHandler):
    """Writes to the `sys.stderr` of the moment (which test runners and daemons replace),
    unless given a stream of its own."""

    @property
    def stream(self):
        return self._own_stream or sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._own_stream = None if value is sys.stderr else value


def make_handler(log_format: str, stream=None) -> logging.Handler:
    handler = _StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={
            "asctime": "time", "levelname": "level", "name": "logger"}))
    elif log_format == "text":
        handler.setFormatter(_TextFormatter(TEXT_FORMAT))
    else:
        raise ValueError(f"LOG_FORMAT: {log_format!r} is not json or text")
    handler.marketplace_handler = True  # replaced, not added again, by the next app
    return handler


def request_id() -> str:
    """This request's id (see the module's docstring)."""
    return g.get("request_id", "-")


def _begin() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _end(response):
    rid = g.get("request_id")
    if rid is None:  # a response made before `_begin` ran
        return response
    response.headers[HEADER] = rid
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    logging.getLogger("marketplace.request").info(
        "request", extra={"route": route, "method": request.method,
                          "status": response.status_code, "duration_ms": duration_ms})
    return response


def init_app(app: Flask) -> None:
    from flask.logging import default_handler

    handler = make_handler(app.config.get("LOG_FORMAT", "text"))
    level = app.config.get("LOG_LEVEL", "INFO")
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "marketplace_handler", False)]:
            logger.removeHandler(old)
        logger.removeHandler(default_handler)  # Flask's own, on the app's logger
        logger.addHandler(handler)
        logger.setLevel(level)
    app.extensions["log_handler"] = handler
    app.before_request(_begin)
    app.after_request(_end)
