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
from datetime import datetime

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
            self.__dict__["form"] = clean_values(self.__dict__["form"])

    @cached_property
    def args(self) -> MultiDict:
        return clean_values(FlaskRequest.args.__get__(self, type(self)))
