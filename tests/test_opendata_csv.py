"""CSV downloads: UTF-8 with BOM, safe against formula injection, streamed in batches,
public data only; and the open-data page that lists them."""

from __future__ import annotations

import csv
import io

import pytest

from marketplace.challenges.models import ChallengeStatus
from marketplace.opendata import csv_export
from tests import factories
from tests import transparency_factories as tf

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"bấm\")", "+1+2", "-3", "@SUM(A1)",
             "\tthụt lề", "\rdòng"]


def rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+84 912", "'+84 912"), ("-5", "'-5"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Hà Nội", "Hà Nội"), ("a=b", "a=b"), (12, 12),
    (None, ""), (True, "yes"),
])
def test_safe_cell(value, expected):
    assert csv_export.safe_cell(value) == expected


@pytest.mark.parametrize("name", ["challenges", "awards", "orders", "payments"])
def test_every_dataset_downloads(client, session, name):
    tf.make_process(session)
    response = client.get(f"/opendata/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{name}.csv"' in response.headers["Content-Disposition"]
    table = rows(response)
    assert table[0] == csv_export.DATASETS[name][0]
    assert len(table) == 2 and len(table[1]) == len(table[0])


def test_formulas_are_neutralised(client, session):
    for title in DANGEROUS:
        factories.make_challenge(session, title=title)
    table = rows(client.get("/opendata/challenges.csv"))
    titles = {row[1] for row in table[1:]}
    assert titles == {"'" + title for title in DANGEROUS}


def test_streamed_in_batches_with_nothing_lost(client, session, monkeypatch):
    monkeypatch.setattr(csv_export, "BATCH", 2)
    made = [factories.make_challenge(session, title=f"Bài toán số {i}").id for i in range(5)]
    response = client.get("/opendata/challenges.csv")
    assert response.is_streamed
    chunks = [c.decode() if isinstance(c, bytes) else c for c in response.response]
    assert len(chunks) == 4  # the header, then 2 + 2 + 1 rows
    assert chunks[0].startswith("\ufeffid,title,")
    table = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"), newline="")))
    assert [int(row[0]) for row in table[1:]] == made


def test_only_public_rows_and_columns(client, session):
    factories.make_challenge(session, status=ChallengeStatus.DRAFT, title="Bản nháp")
    open_challenge = factories.make_challenge(session, title="Đang mở")
    factories.make_submission(session, challenge=open_challenge)
    challenge, _award, order = tf.make_process(session)
    challenges = rows(client.get("/opendata/challenges.csv"))
    by_title = {row[1]: row for row in challenges[1:]}
    assert "Bản nháp" not in by_title
    assert by_title["Đang mở"][-1] == ""  # the number of bids is sealed until the deadline
    assert by_title[challenge.title][-1] == "2"
    text = client.get("/opendata/orders.csv").get_data(as_text=True)
    assert order.terms not in text
    assert "KBNN" not in client.get("/opendata/payments.csv").get_data(as_text=True)


def test_the_open_data_page_lists_the_downloads(client):
    html = client.get("/opendata/").get_data(as_text=True)
    for name in ("challenges", "awards", "orders", "payments"):
        assert f'href="/opendata/{name}.csv"' in html
    assert 'href="/opendata/ocds.json"' in html
    assert "Dữ liệu mở" in html
