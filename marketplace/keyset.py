"""Deep pages by keyset, not OFFSET (issue 21: "no page whose cold time grows with its
position"). A list sorted newest first by (a time, id) is paged by a cursor: the sort key
of the row a page starts after (`after`, the next page) or before (`before`, the previous
page), so the database reads the page's rows from its index wherever the page is, instead
of counting off every row before it.

A cursor travels as an opaque token in the query string (`?after=…`): URL-safe base64 of
"<page number>:<microseconds since the epoch>:<id>". The page number is only what the
page says of itself ("Page 50 of 2,349"); nothing is trusted from it but a number from 1.
A token that does not decode is `None` (the caller ignores it or answers 400) — never an
error of its own."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TOKEN_LENGTH = 64
MAX_NUMBER = 10**9


@dataclass(frozen=True)
class Cursor:
    """A position in a list sorted by (`at` DESC, `id` DESC): the row a page starts
    after (`backward` False: the page holds older rows) or before (`backward` True: the
    newer rows, the previous page); `number` is the number of the page it leads to."""
    at: datetime
    id: int
    number: int
    backward: bool = False


def encode(at: datetime, row_id: int, number: int) -> str:
    """The token of a position: `at` an aware datetime, `row_id` and `number` ≥ 1."""
    micros = (at - _EPOCH) // timedelta(microseconds=1)
    raw = f"{number}:{micros}:{row_id}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(token: str | None, *, backward: bool = False) -> Cursor | None:
    """The cursor of a token of `encode`, or None when it is absent or does not decode
    (wrong alphabet, not three ASCII-digit numbers, out of range)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    parts = raw.split(":")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 19 for p in parts):
        return None
    number, micros, row_id = (int(p) for p in parts)
    if not 1 <= number <= MAX_NUMBER or row_id < 1:
        return None
    try:
        at = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    if row_id > 2**63 - 1:
        return None
    return Cursor(at, row_id, number, backward)


@dataclass(frozen=True)
class IdCursor:
    """A position in a list sorted by id, oldest first (the OCDS feed): the id the page
    starts after, and the number of the page it leads to."""
    id: int
    number: int

    @property
    def token(self) -> str:
        return encode_id(self.id, self.number)


def encode_id(row_id: int, number: int) -> str:
    """The token of a position in a list sorted by id: `row_id` and `number` ≥ 1
    (URL-safe base64 of "<page number>:<id>")."""
    raw = f"{number}:{row_id}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_id(token: str | None) -> IdCursor | None:
    """The position of a token of `encode_id`, or None when it is absent or does not
    decode (wrong alphabet, not two ASCII-digit numbers, out of range)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    parts = raw.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 19 for p in parts):
        return None
    number, row_id = (int(p) for p in parts)
    if not 1 <= number <= MAX_NUMBER or not 1 <= row_id <= 2**63 - 1:
        return None
    return IdCursor(row_id, number)


def beyond(at_column, id_column, cursor: Cursor):
    """The condition of the rows past `cursor` in the direction it reads: older rows for
    `after` (`(at, id) < (cursor.at, cursor.id)`), newer ones for `before`. Written with
    a plain bound on `at` first, so that an index on `at` alone gives the range (row
    values use only an index on both columns on PostgreSQL)."""
    if cursor.backward:
        return and_(at_column >= cursor.at,
                    or_(at_column > cursor.at, and_(at_column == cursor.at,
                                                    id_column > cursor.id)))
    return and_(at_column <= cursor.at,
                or_(at_column < cursor.at, and_(at_column == cursor.at, id_column < cursor.id)))


def order(at_column, id_column, cursor: Cursor | None):
    """ORDER BY of the page's query: newest first, or oldest first when reading
    backward (the caller reverses the rows)."""
    if cursor is not None and cursor.backward:
        return at_column.asc(), id_column.asc()
    return at_column.desc(), id_column.desc()


_OFFSET = re.compile(r"OFFSET\s+(\?|%\((\w+)\)s|\d+)")


def skipped_rows(statement: str, parameters) -> list[int]:
    """The rows each OFFSET of an SQL statement skips, read with its parameters
    (positional `?` or named `%(name)s`): what the query-count tests and the benchmark
    check a keyset page against. SQLite's dialect writes `OFFSET 0` after every LIMIT,
    PostgreSQL's nothing: [] or zeros for a page read by keyset."""
    found = []
    for match in _OFFSET.finditer(statement):
        if match.group(1) == "?":  # positional: count the placeholders before it
            found.append(int(parameters[statement[:match.end()].count("?") - 1]))
        elif match.group(2):
            found.append(int(parameters[match.group(2)]))
        else:
            found.append(int(match.group(1)))
    return found
