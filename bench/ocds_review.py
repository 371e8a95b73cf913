"""The OCDS publication of a generated data set, reviewed offline with Open Contracting's
tools: libcoveocds (the Data Review Tool's engine) on every page of `/opendata/ocds.json`,
`ocdskit compile` over all releases, ocdsmerge's record package, and the generator's
coherence (no award above its challenge's ceiling).

    .venv/bin/python -m bench.generate --size 1000 --database-url sqlite:////tmp/ocds1000.sqlite3
    .venv/bin/python -m bench.ocds_review --database-url sqlite:////tmp/ocds1000.sqlite3

Prints one JSON object of figures. Needs the test extras (libcoveocds, ocdskit)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter

from sqlalchemy import func, select


def review(database_url: str) -> dict:
    from ocdskit.combine import merge

    from marketplace import create_app
    from marketplace.challenges.models import Challenge
    from marketplace.evaluation.models import Award, AwardItem, AwardStatus
    from marketplace.extensions import db
    from marketplace.opendata import ocds, records
    from marketplace.opendata.routes import PublicUrls
    from tests import ocds_offline

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    figures: dict = {}
    with app.test_request_context("/", base_url="https://example.gov.vn"):
        started = time.perf_counter()
        packages, record_pages, page, more = [], [], 1, True
        while more:
            package, _found, more = ocds.release_package(
                db.session, prefix=app.config["OCDS_PREFIX"], page=page, urls=PublicUrls(),
                license_url=app.config["OPENDATA_LICENSE"])
            packages.append(package)
            record_pages.append(records.record_package(
                db.session, prefix=app.config["OCDS_PREFIX"], page=page, urls=PublicUrls(),
                license_url=app.config["OPENDATA_LICENSE"])[0])
            page += 1
        figures["build_seconds"] = round(time.perf_counter() - started, 1)
        per_award = (select(AwardItem.award_id, func.sum(AwardItem.amount).label("total"))
                     .group_by(AwardItem.award_id).subquery())
        figures["awards_above_ceiling"] = db.session.scalar(
            select(func.count()).select_from(Award)
            .join(per_award, per_award.c.award_id == Award.id)
            .join(Challenge, Challenge.id == Award.challenge_id)
            .where(Award.status == AwardStatus.APPROVED,
                   per_award.c.total > Challenge.budget_ceiling))
    releases = [r for p in packages for r in p["releases"]]
    ocids = {r["ocid"] for r in releases}
    figures.update(pages=len(packages), releases=len(releases), processes=len(ocids),
                   tags=dict(sorted(Counter(t for r in releases for t in r["tag"]).items())))

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        results, refused = ocds_offline.review(packages, folder)
    figures["libcoveocds_seconds"] = round(time.perf_counter() - started, 1)
    figures["libcoveocds"] = {
        "validation_errors": sum(len(r["validation_errors"]) for r in results),
        "additional_fields": sum(len(r["additional_fields"]) for r in results),
        "additional_closed_codelist_values": sum(
            len(r["additional_closed_codelist_values"]) for r in results),
        "additional_open_codelist_values": sorted({
            f"{k}: {v}" for r in results
            for k, item in r["additional_open_codelist_values"].items()
            for v in item["values"]}),
        "extensions_failed": sum(bool(e["failed_codelists"]) for r in results
                                 for e in r["extensions"]["extensions"])
        + sum(len(r["extensions"]["invalid_extension"]) for r in results),
        "addresses_refused": sorted(set(refused)),
        "releases_counted": sum(r["count"] for r in results),
    }
    compiled = list(merge([{"releases": releases}], schema=records.release_schema(),
                          return_package=False, use_linked_releases=False))
    figures["ocdskit_compile_records"] = len(compiled)
    figures["records_json_records"] = sum(len(p["records"]) for p in record_pages)
    figures["one_record_per_process"] = (len(compiled) == len(ocids)
                                         == figures["records_json_records"])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(review(args.database_url), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
