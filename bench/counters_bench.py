"""The dashboard's cost at scale, in-process (issue 21): the cold figures (no cache) of a
few filter sets, and the cost of a status change with its commit (a published challenge
closed, an evaluating one awarded), on a copy of a generated data set.

    python -m bench.counters_bench --database-url sqlite:////tmp/x.sqlite3 [--changes 10]

Runs against whatever `marketplace` is importable (set PYTHONPATH to compare two
checkouts); prints one JSON object. The database is changed: use a copy."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from marketplace import create_app
    from marketplace.challenges.models import Challenge, ChallengeStatus
    from marketplace.challenges.states import CHALLENGE_LIFECYCLE
    from marketplace.dashboard import services
    from marketplace.dashboard.queries import Filters
    from marketplace.extensions import db
    from marketplace.lifecycle import transition

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "CACHE_BACKEND": "null", "JOBS_URL": "memory://"})
    result = {"code": os.path.dirname(os.path.dirname(services.__file__)),
              "load_before": os.getloadavg()[0], "dashboard_ms": {}, "change_ms": {}}
    with app.test_request_context():
        for name, filters in (("all", Filters()), ("year=2025", Filters(year=2025))):
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                services.build(db.session, filters)
                times.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            result["dashboard_ms"][name] = [round(t, 1) for t in times]
        for source, target in ((ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED),
                               (ChallengeStatus.EVALUATING, ChallengeStatus.AWARDED)):
            ids = db.session.scalars(select(Challenge.id).where(Challenge.status == source)
                                     .order_by(Challenge.id).limit(args.changes)).all()
            times = []
            for challenge_id in ids:
                started = time.perf_counter()
                challenge = db.session.get(Challenge, challenge_id)
                transition(db.session, challenge, target, None, lifecycle=CHALLENGE_LIFECYCLE,
                           by_system=True)
                db.session.commit()
                times.append((time.perf_counter() - started) * 1000)
            result["change_ms"][f"{source.value}->{target.value}"] = {
                "n": len(times), "median": round(statistics.median(times), 1),
                "max": round(max(times), 1)}
        started = time.perf_counter()
        services.build(db.session, Filters())
        result["dashboard_after_changes_ms"] = round((time.perf_counter() - started) * 1000, 1)
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
