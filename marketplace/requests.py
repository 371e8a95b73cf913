"""The request class: what a form or a query receives is clean text.

- NUL characters never reach a form or a query. No one types U+0000, PostgreSQL refuses
  it in text ("text fields cannot contain NUL"), and SQLite would store it invisibly.
- Text is in Unicode NFC. A title pasted in decomposed form (NFD, common from macOS file
  names: "e" + U+0302 + U+0301 for "ế") would be stored, searched, compared and exported
  as a different string from the same title typed on a keyboard; normalised here, it is
  the same string everywhere.

Both happen to every submitted form value and query-string value (and their names) before
any view, form or rule sees them."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

from flask import Request as FlaskRequest
from flask import has_request_context, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property


def clean_text(text: str) -> str:
    """`text` without NUL characters, in Unicode NFC."""
    text = text.replace("\x00", "")
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _is_clean(text: str) -> bool:
    return "\x00" not in text and unicodedata.is_normalized("NFC", text)


def clean_values(values: MultiDict) -> MultiDict:
    """The same values with every key and text value passed through `clean_text` (files
    untouched); the same object when there was nothing to clean."""
    if all(_is_clean(key) and (not isinstance(value, str) or _is_clean(value))
           for key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict([
        (clean_text(key), clean_text(value) if isinstance(value, str) else value)
        for key, value in values.items(multi=True)])


ARRIVED_AT = "marketplace.arrived_at"  # a WSGI key no client can set (not HTTP_…)
MAX_FRONT_WAIT = timedelta(minutes=5)  # a stamp older than this is not believed


def parse_request_start(value: str | None) -> float | None:
    """Seconds since the epoch from a request-start header: `t=1796110935.386` (nginx's
    `$msec`), or seconds, milliseconds or microseconds as a number; None otherwise."""
    if not value:
        return None
    text = value.strip().removeprefix("t=")
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number <= 0:  # NaN, negative
        return None
    if number > 1e14:
        return number / 1e6
    if number > 1e11:
        return number / 1e3
    return number


class RequestStart:
    """WSGI middleware, installed only behind trusted proxies with `REQUEST_START_HEADER`
    set: the time the nearest proxy received the request, from that header, put where a
    client cannot write (`ARRIVED_AT`). The proxy must set the header itself (nginx's
    `proxy_set_header` replaces what the client sent). A request waits in the
    application server's queue before it is read (seconds when a deadline draws a
    crowd, issue 15); behind the proxy, that wait no longer makes a bid late."""

    def __init__(self, app, header: str) -> None:
        self.app = app
        self.key = "HTTP_" + header.upper().replace("-", "_")

    def __call__(self, environ, start_response):
        stamp = parse_request_start(environ.get(self.key))
        if stamp is not None:
            environ[ARRIVED_AT] = stamp
        return self.app(environ, start_response)


def _arrival(environ, now: datetime) -> datetime:
    """`now`, or the earlier time the trusted proxy received the request (`RequestStart`)
    when it is at most `MAX_FRONT_WAIT` before `now`."""
    stamp = environ.get(ARRIVED_AT) if isinstance(environ, dict) else None
    if stamp is None:
        return now
    try:
        front = datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError):
        return now
    return front if timedelta(0) <= now - front <= MAX_FRONT_WAIT else now


def received_at() -> datetime:
    """When the current request arrived (aware UTC, read once when the server handed the
    request to the application, before any wait for a lock; behind a trusted proxy that
    stamps it, when the proxy received it, `RequestStart`); outside a request, now.
    Deadlines are judged at this time: a bid sent before the deadline is not refused
    because it waited for another writer."""
    from marketplace.types import utcnow

    if has_request_context():
        return request.received_at
    return utcnow()


class Request(FlaskRequest):
    def __init__(self, *args, **kwargs) -> None:
        from marketplace.types import utcnow

        environ = args[0] if args else kwargs.get("environ")
        self.received_at = _arrival(environ, utcnow())
        super().__init__(*args, **kwargs)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "form" in self.__dict__:
            self.__dict__["form"] = clean_values(self.__dict__["form"])

    @cached_property
    def args(self) -> MultiDict:
        return clean_values(FlaskRequest.args.__get__(self, type(self)))
