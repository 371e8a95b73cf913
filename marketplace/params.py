"""Every id and number of a URL, parsed in one place and bounded to its column's range.

No input is a server error (issue 14): `/challenges/2147483648` overflowed PostgreSQL's
`integer`, `?budget_max=9223372036854775808` its `bigint`, `?page=²` passed `str.isdigit()`
and failed `int()`. So:

- in a path, `<int:…>` is `IdConverter` for every route (registered by `init_app` before
  any blueprint): ASCII digits from 0 to `INT_MAX`, anything else answers 404 like an id
  that does not exist;
- in a query string, `query_int(name, …)` — ASCII digits only, within `[min, max]` —
  gives the default for what does not parse (an ignored filter), or answers 400 with
  `strict=True` (the API, which says what it refuses).
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # `Integer` columns (every id) on PostgreSQL
BIGINT_MAX = 2**63 - 1  # `BigInteger` columns (amounts of money in đồng)


def parse_int(text: str | None, *, min: int = 0, max: int = INT_MAX) -> int | None:  # noqa: A002
    """`text` as an int when it is ASCII digits (a "-" first if `min` < 0) within
    [`min`, `max`]; None otherwise (never raises). "²", "١" and "１" are not digits here."""
    if text is None:
        return None
    text = text.strip()
    digits = text[1:] if text.startswith("-") and min < 0 else text
    if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(text)
    return value if min <= value <= max else None


def query_int(name: str, default: int | None = None, *, min: int = 0,  # noqa: A002
              max: int = INT_MAX, strict: bool = False) -> int | None:
    """The query parameter `name` as an int within [`min`, `max`]: `default` when it is
    absent or empty; when it does not parse, `default` (an ignored filter), or 400 with
    `strict=True`."""
    raw = request.args.get(name, "")
    if raw.strip() == "":
        return default
    value = parse_int(raw, min=min, max=max)
    if value is None:
        if strict:
            abort(400)
        return default
    return value


class IdConverter(IntegerConverter):
    """`<int:…>` of every route: ASCII digits, 0 … `INT_MAX` (an id column's range);
    outside it the route does not match: 404, as for a missing id."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, fixed_digits: int = 0, min: int = 0,  # noqa: A002
                 max: int | None = INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=INT_MAX if max is None else max, signed=False)


def init_app(app: Flask) -> None:
    """Before any blueprint registers its routes."""
    app.url_map.converters["int"] = IdConverter
