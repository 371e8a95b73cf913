"""The deadline rush of `make bench-rush` (issue 15), small: 12 solvers bid over HTTP
against gunicorn (2 workers; behind nginx stamping X-Request-Start when nginx is
installed, as docs/deploy.md deploys it) in the last seconds before a deadline and 3
press submit 0.5–1.5 s after it; the clock closes the challenge with `challenges
close-expired`. Nothing errs, nothing is lost, every stored file reads back with the
SHA-256 sent, the late ones are refused and keep the drafts they saved before the
deadline. On a SQLite file, and on PostgreSQL when TEST_DATABASE_URL is set. Only
127.0.0.1; every request and the run are bounded."""

import pytest

from bench import rush
from bench.front import nginx_binary


@pytest.mark.slow
def test_a_small_deadline_rush_loses_nothing(own_database, tmp_path):
    # Behind nginx (when installed, bench/front.py), as docs/deploy.md deploys it, a bid
    # is judged at the time nginx received it: the last submit is pressed 1 s before the
    # deadline. Without nginx the application judges the time it reads the request, and
    # on a shared 2-core machine a request waits seconds in gunicorn's queue before
    # that: the last submit 4 s before. The five requests before the submit take 1–2.5 s
    # each there: the form is opened 6–8 s before pressing submit. The late ones press
    # 0.5–1.5 s after the deadline.
    margin = 1.0 if nginx_binary() else 4.0
    options = rush.Options(solvers=12, late=3, workers=2, window=margin + 10.0, margin=margin,
                           prepare=(6.0, 8.0), late_after=(0.5, 1.5), timeout=20.0,
                           bare_seconds=0.5, pdf_kb=8)
    summary = rush.run(own_database, tmp_path, options)
    brief = {key: summary[key] for key in (
        "failed_solvers", "lost", "sent_on_time_refused", "receipts_shown", "submitted_rows",
        "files_bad", "late_refused", "late_drafts_kept", "late_drafts_missing",
        "challenge_status", "close", "front",
        "wait_before_clock_ms", "phases_s", "load_before", "server_errors_logged")}

    assert (summary["5xx"], summary["timeouts"], summary["connection_errors"],
            summary["unexpected_status"]) == (0, 0, 0, 0), brief
    assert summary["lost"] == [] and summary["receipt_without_row"] == [], brief
    assert summary["receipts_shown"] == summary["submitted_rows"] == 12, brief
    assert summary["files_intact"] == summary["files"] == 15, brief
    assert summary["late_refused"] == summary["late_refusal_shown"] == 3, brief
    assert summary["late_drafts_kept"] == 3 and summary["late_accepted"] == [], brief
    assert summary["late_drafts_lost"] == [], brief
    assert summary["challenge_status"] == "closed", brief
    assert summary["opened_rows"] == 12, brief  # the close opened every bid
    assert summary["passed"], brief
