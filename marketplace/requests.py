"""The request class: NUL characters never reach a form or a query.

No one types U+0000, PostgreSQL refuses it in text ("text fields cannot contain NUL"),
and SQLite would store it invisibly: it is dropped from every submitted form value and
query-string value before any view, form or rule sees them."""

from __future__ import annotations

from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property


def without_nul(values: MultiDict) -> MultiDict:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)
               if isinstance(value, str)):
        return values
    return ImmutableMultiDict([
        (key.replace("\x00", ""), value.replace("\x00", "") if isinstance(value, str) else value)
        for key, value in values.items(multi=True)])


class Request(FlaskRequest):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "form" in self.__dict__:
            self.__dict__["form"] = without_nul(self.__dict__["form"])

    @cached_property
    def args(self) -> MultiDict:
        return without_nul(FlaskRequest.args.__get__(self, type(self)))
