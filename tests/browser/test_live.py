"""Live pages (issue 18): a visitor's challenge page shows an answer that an officer
publishes from another browser, within 5 seconds and without reloading (the page polls
/live/version and swaps its live parts, marketplace/live.py)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

from marketplace.demo.challenges import AGENCY_OFFICER, MARKER


def test_a_change_made_elsewhere_shows_within_5_seconds(as_user, live_server, server_env):
    path = server_env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path, timeout=15)) as conn:
        (challenge_id,) = conn.execute("SELECT id FROM challenges WHERE title = ?",
                                       (MARKER,)).fetchone()
    answer = f"Có, dữ liệu lưu lượng 12 tháng được cung cấp ({time.time_ns() % 10**6})."

    viewer = as_user(None)
    viewer.goto(live_server(f"/challenges/{challenge_id}"))
    viewer.evaluate("window.notReloaded = true")
    assert answer not in viewer.locator("#live-answers").inner_text()

    officer = as_user(AGENCY_OFFICER)
    officer.goto(live_server(f"/challenges/{challenge_id}/questions"))
    officer.locator("main form textarea[name=answer]").first.fill(answer)
    officer.locator("main form button[type=submit]").first.click()
    officer.wait_for_load_state()
    published = time.monotonic()

    viewer.locator("#live-answers", has_text=answer).wait_for(timeout=5_000)
    seen = time.monotonic() - published
    assert seen < 5, seen
    assert viewer.evaluate("window.notReloaded") is True  # swapped in, not reloaded
    print(f"the answer showed on the other browser after {seen:.2f} s")
