"""`python -m bench.operator` (issue 15's closing figures): its parts — the three mail
servers it starts on 127.0.0.1, how it counts mail, orphans and targets, the upload it
sends — and a tiny run of the whole against gunicorn (slow). Its timing targets are not
asserted in the tiny run: three requests on a shared machine say nothing about a p95."""

from __future__ import annotations

import io
import smtplib
import socket

import pytest
from werkzeug.formparser import parse_form_data

from bench import operator as bench_operator
from bench.server import free_port

GOOD = [(302, "/login", 30.0)] * 5


def _timings(**changes) -> dict:
    timings = {s: {k: list(GOOD) for k in bench_operator.KINDS}
               for s in bench_operator.SITUATIONS}
    for key, rows in changes.items():
        situation, kind = key.split("__")
        timings[situation][kind] = rows
    return timings


def _delivered(received: int = 10, duplicates: int = 0) -> dict:
    return {s: {"asked": 10, "received": received, "duplicates": duplicates}
            for s in bench_operator.SITUATIONS}


def test_the_three_mail_servers():
    port = free_port()
    received = bench_operator.Received()
    with bench_operator.smtp_situation("good", port, received), \
            smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.sendmail("a@example.vn", ["b@example.vn"], b"Subject: x\r\n\r\nx")
    assert received.recipients == ["b@example.vn"]

    with bench_operator.smtp_situation("dead", port, received), \
            pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)

    with bench_operator.smtp_situation("silent", port, received), \
            socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection, \
            pytest.raises(TimeoutError):
        connection.recv(1)  # connected, and no greeting ever comes


def test_mail_targets():
    assert bench_operator.mail_verdict(_timings(), _delivered(), 100)["missed"] == []
    slow = [(302, "/login", 30.0)] * 4 + [(302, "/login", 200.0)]
    missed = bench_operator.mail_verdict(_timings(silent__invite=slow), _delivered(),
                                         100)["missed"]
    assert missed == ["silent invite: p95 170 ms above the good server's"]
    missed = bench_operator.mail_verdict(
        _timings(dead__forgot_unknown=[(500, "", 30.0)] * 5), _delivered(), 100)["missed"]
    assert "dead forgot_unknown: 5xx" in missed and any("known [" in m for m in missed)
    missed = bench_operator.mail_verdict(_timings(), _delivered(received=9, duplicates=1),
                                         100)["missed"]
    assert len(missed) == 3 and "9 of 10 mails delivered, 1 duplicates" in missed[0]


def test_mail_counted_by_recipient():
    known = "rush1@rush.bench.example"  # the dead server's known address
    recipients = ([known] * 3 + [bench_operator.INVITEE.format(situation="dead", n=n)
                                 for n in (0, 1, 1)]
                  + [bench_operator.UNKNOWN.format(situation="dead", n=0)])
    counted = bench_operator.count_delivered(recipients, requests=3)
    assert counted["dead"] == {"asked": 6, "received": 5, "duplicates": 1, "to_unknown": 1}
    assert counted["good"]["received"] == 0


def test_orphans_walk_the_upload_directory(tmp_path):
    (tmp_path / "ab").mkdir()
    for name in ("abKEPT", "abLEFT", "abHALF.part", "abKEPT.part"):
        (tmp_path / "ab" / name).write_bytes(b"x")
    assert bench_operator.orphans(tmp_path, {"abKEPT"}) == {"files": 4, "orphans": 3,
                                                             "parts": 2}
    assert bench_operator.crash_verdict({
        "after": {"orphans": 1}, "rows_bad": 0, "rows_bad_after_sweep": 0,
        "answered_302_without_row": 0, "sweep": {"returncode": 0}, "5xx": 0,
    })["missed"] == ["1 orphans left after the sweep"]


def test_the_upload_is_the_form_a_browser_sends():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40
    body, content_type = bench_operator.multipart({"csrf_token": "t"}, "attachments",
                                                  "ho-so-1.pdf", data)
    _stream, form, files = parse_form_data({
        "REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
    upload = files["attachments"]
    try:
        assert form["csrf_token"] == "t" and upload.filename == "ho-so-1.pdf"
        assert upload.read() == data
    finally:
        upload.close()


@pytest.mark.slow
def test_a_tiny_run_delivers_every_mail_and_leaves_no_orphan(own_database, tmp_path):
    options = bench_operator.Options(requests=2, rounds=1, uploads=2, upload_mb=1,
                                     calibration=1, mail_timeout=2, timeout=30,
                                     recovery="jump")
    summary = bench_operator.run(own_database, tmp_path, options)
    mail, crash = summary["mail"], summary["crash"]
    for situation, kinds in mail["timings"].items():
        for kind, figures in kinds.items():
            assert figures["statuses"] == [302], (situation, kind, figures)
        assert (kinds["forgot_known"]["locations"] == kinds["forgot_unknown"]["locations"]
                == ["/login"])
    assert mail["job_worker"]["tracebacks"] == 0, mail["job_worker"]
    assert all(d["received"] == d["asked"] == 4 and d["duplicates"] == d["to_unknown"] == 0
               for d in mail["delivered"].values()), mail["delivered"]
    assert mail["recovery"]["unsent_at_end"] == 0, mail["recovery"]
    assert crash["missed"] == [], crash
    assert crash["after"]["orphans"] == 0 and crash["rows"] >= 1
    assert crash["rows_bad"] == crash["rows_bad_after_sweep"] == 0
