"""The request class: NUL characters never reach a form or a query.

No one types U+0000, PostgreSQL refuses it in text ("text fields cannot contain NUL"),
and SQLite would store it invisibly: it is dropped from every submitted form value and
query-string value before any view, form or rule sees them."""

from __future__ import annotations

from datetime import datetime

from flask import Request as FlaskRequest
from flask import has_request_context, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property


def without_nul(values: MultiDict) -> MultiDict:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)
               if isinstance(value, str)):
        return values
    return ImmutableMultiDict([
        (key.replace("\x00", ""), value.replace("\x00", "") if isinstance(value, str) else value)
        for key, value in values.items(multi=True)])


def received_at() -> datetime:
    """When the current request arrived (aware UTC, read once when the server handed the
    request to the application, before any wait for a lock); outside a request, now.
    Deadlines are judged at this time: a bid sent before the deadline is not refused
    because it waited for another writer."""
    from marketplace.types import utcnow

    if has_request_context():
        return request.received_at
    return utcnow()


class Request(FlaskRequest):
    def __init__(self, *args, **kwargs) -> None:
        from marketplace.types import utcnow

        self.received_at = utcnow()
        super().__init__(*args, **kwargs)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "form" in self.__dict__:
            self.__dict__["form"] = without_nul(self.__dict__["form"])

    @cached_property
    def args(self) -> MultiDict:
        return without_nul(FlaskRequest.args.__get__(self, type(self)))
