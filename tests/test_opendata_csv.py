"""CSV downloads: UTF-8 with BOM, safe against formula injection, streamed in batches,
public data only; and the open-data page that lists them."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta

import openpyxl
import pytest
from markupsafe import escape

from marketplace.challenges.models import ChallengeStatus
from marketplace.opendata import columns, csv_export, xlsx_export
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


@pytest.mark.parametrize("name", ["challenges", "awards", "orders", "milestones", "payments"])
def test_every_dataset_downloads(client, session, name):
    tf.make_process(session)
    response = client.get(f"/opendata/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{name}.csv"' in response.headers["Content-Disposition"]
    table = rows(response)
    assert table[0] == csv_export.DATASETS[name].header
    assert len(table) == (3 if name == "milestones" else 2)
    assert all(len(row) == len(table[0]) for row in table)


def test_formulas_are_neutralised(client, session):
    for title in DANGEROUS:
        factories.make_challenge(session, title=title)
    table = rows(client.get("/opendata/challenges.csv"))
    titles = {row[2] for row in table[1:]}
    assert titles == {"'" + title for title in DANGEROUS}


def test_streamed_in_batches_with_nothing_lost(client, session, monkeypatch):
    monkeypatch.setattr(csv_export, "BATCH", 2)
    made = [factories.make_challenge(session, title=f"Bài toán số {i}").id for i in range(5)]
    response = client.get("/opendata/challenges.csv")
    assert response.is_streamed
    chunks = [c.decode() if isinstance(c, bytes) else c for c in response.response]
    assert len(chunks) == 4  # the header, then 2 + 2 + 1 rows
    assert chunks[0].startswith("\ufeffid,ocid,title,")
    table = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"), newline="")))
    assert [int(row[0]) for row in table[1:]] == made


def test_only_public_rows_and_columns(client, session):
    factories.make_challenge(session, status=ChallengeStatus.DRAFT, title="Bản nháp")
    open_challenge = factories.make_challenge(session, title="Đang mở")
    factories.make_submission(session, challenge=open_challenge)
    challenge, _award, order = tf.make_process(session)
    challenges = rows(client.get("/opendata/challenges.csv"))
    by_title = {row[2]: row for row in challenges[1:]}
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


def _by_header(table: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_times_in_utc_and_viet_nam_ocid_and_positions_from_1(app, client, session):
    challenge, award, order = tf.make_process(session)
    prefix = app.config["OCDS_PREFIX"]
    [row] = _by_header(rows(client.get("/opendata/challenges.csv")))
    assert row["ocid"] == f"{prefix}-{challenge.id}"
    utc, local = row["published_at"], row["published_at_vn"]
    assert utc.endswith("Z") and local.endswith("+07:00")
    assert datetime.fromisoformat(utc) == datetime.fromisoformat(local)  # the same instant
    [orow] = _by_header(rows(client.get("/opendata/orders.csv")))
    assert orow["award_item_id"] == str(award.items[0].id) == str(order.award_item_id)
    assert orow["ocid"] == row["ocid"]
    milestones = _by_header(rows(client.get("/opendata/milestones.csv")))
    assert [m["position"] for m in milestones] == ["1", "2"]
    assert [m["status"] for m in milestones] == ["paid", "planned"]
    assert [m["amount_vnd"] for m in milestones] == ["400000000", "600000000"]
    [payment] = _by_header(rows(client.get("/opendata/payments.csv")))
    assert payment["milestone_position"] == "1" and payment["amount_vnd"] == "400000000"
    assert payment["ocid"] == row["ocid"]


def test_amounts_are_named_in_vnd_and_times_come_in_pairs():
    for dataset in csv_export.DATASETS.values():
        names = dataset.header
        assert "amount" not in names and "currency" not in names
        for column in dataset.fields:
            if column.unit == columns.VND:
                assert column.name.endswith("_vnd"), column.name
            if column.kind == columns.DATETIME and column.zone == "UTC":
                assert column.name + "_vn" in names


def test_the_dictionary_describes_every_column_in_both_languages(client):
    html = client.get("/opendata/").get_data(as_text=True)
    for dataset in csv_export.DATASETS.values():
        assert f'id="dictionary-{dataset.name}"' in html
        assert f'href="/opendata/{dataset.name}.xlsx"' in html
        for column in dataset.fields:
            assert f"<code>{column.name}</code>" in html
            assert escape(column.vi) in html and escape(column.en) in html


def test_xlsx_has_numbers_dates_and_formulas_as_text(client, session):
    challenge, _award, _order = tf.make_process(session, title="=HYPERLINK(\"x\")\x01")
    response = client.get("/opendata/challenges.xlsx")
    assert response.status_code == 200
    assert response.mimetype == xlsx_export.MIMETYPE
    assert 'filename="challenges.xlsx"' in response.headers["Content-Disposition"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet_rows = list(book["challenges"].iter_rows(values_only=True))
    assert list(sheet_rows[0]) == csv_export.DATASETS["challenges"].header
    row = dict(zip(sheet_rows[0], sheet_rows[1], strict=True))
    assert row["title"] == "=HYPERLINK(\"x\")"  # text, not a formula; no control character
    assert row["id"] == challenge.id and isinstance(row["budget_ceiling_vnd"], int)
    assert isinstance(row["published_at"], datetime)
    assert row["published_at_vn"] - row["published_at"] == timedelta(hours=7)
    xml = zipfile.ZipFile(io.BytesIO(response.get_data())).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml  # no formula anywhere


def test_every_xlsx_opens_with_the_csv_columns(client, session):
    tf.make_process(session)
    for name, dataset in csv_export.DATASETS.items():
        data = client.get(f"/opendata/{name}.xlsx").get_data()
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[name]
        table = list(sheet.iter_rows(values_only=True))
        assert list(table[0]) == dataset.header
        assert len(table) == {"milestones": 3, "red_flags": 1}.get(name, 2)
