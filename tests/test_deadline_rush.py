"""The deadline rush of `make bench-rush` (issue 15), small: 12 solvers bid over HTTP
against gunicorn (2 workers) in the last seconds before a deadline and 3 press submit
1–3 s after it; the clock closes the challenge with `challenges close-expired`. Nothing
errs, nothing is lost, every stored file reads back with the SHA-256 sent, the late ones
are refused and keep their drafts. On a SQLite file, and on PostgreSQL when
TEST_DATABASE_URL is set. Only 127.0.0.1; every request and the run are bounded."""

import pytest

from bench import rush


@pytest.mark.slow
def test_a_small_deadline_rush_loses_nothing(own_database, tmp_path):
    # the last submit 4 s before the deadline: on a shared 2-core machine a request waits
    # seconds in gunicorn's queue before the application reads the clock (bench/rush.py
    # reports that wait; the full rush presses submit up to 1 s before the deadline)
    # (and its five requests before the submit take 1–2.5 s each on PostgreSQL there: the
    # form is opened 6–8 s before pressing submit)
    options = rush.Options(solvers=12, late=3, workers=2, window=14.0, margin=4.0,
                           prepare=(6.0, 8.0), timeout=20.0, bare_seconds=1.0, pdf_kb=8)
    summary = rush.run(own_database, tmp_path, options)
    brief = {key: summary[key] for key in (
        "failed_solvers", "lost", "sent_on_time_refused", "receipts_shown", "submitted_rows",
        "files_bad", "late_refused", "late_drafts_kept", "challenge_status", "close",
        "wait_before_clock_ms", "phases_s", "load_before", "server_errors_logged")}

    assert (summary["5xx"], summary["timeouts"], summary["connection_errors"],
            summary["unexpected_status"]) == (0, 0, 0, 0), brief
    assert summary["lost"] == [] and summary["receipt_without_row"] == [], brief
    assert summary["receipts_shown"] == summary["submitted_rows"] == 12, brief
    assert summary["files_intact"] == summary["files"] == 15, brief
    assert summary["late_refused"] == summary["late_refusal_shown"] == 3, brief
    assert summary["late_drafts_kept"] == 3 and summary["late_accepted"] == [], brief
    assert summary["challenge_status"] == "closed", brief
    assert summary["opened_rows"] == 12, brief  # the close opened every bid
    assert summary["passed"], brief
