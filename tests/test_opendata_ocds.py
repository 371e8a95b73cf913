"""The OCDS release package validates against the official 1.1.5 schema, on realistic
data and on edge cases, holds only public data, and pages with a fixed query count."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from marketplace.accounts.models import OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import AwardStatus
from marketplace.extensions import db
from marketplace.opendata import ocds
from marketplace.orders.models import MilestoneStatus, OrderStatus
from marketplace.submissions.models import PartnerStatus, SubmissionStatus
from marketplace.types import utcnow
from tests import factories
from tests import transparency_factories as tf

# the official schema, codelists and bid extension, vendored with their licence
SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
DATE_KEYS = {"date", "startDate", "endDate", "dueDate", "dateMet", "dateSigned",
             "datePublished", "publishedDate", "dateModified"}
SEALED = "Bí mật: thuật toán riêng của chúng tôi"
TERMS = "Điều khoản mật: giá chi tiết 123"


def validator():
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    package_schema = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    release_schema = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    bid_extension = SCHEMA_DIR / "extensions" / "bid-v1.1.5" / "release-schema.json"
    release_schema = merge_patch(release_schema, json.loads(bid_extension.read_text()))
    registry = Registry().with_resource(
        release_schema["id"], Resource.from_contents(release_schema, default_specification=DRAFT4))
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: how an OCDS extension is applied to the release schema."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def codes(name: str) -> set[str]:
    lines = (SCHEMA_DIR / "codelists" / name).read_text().splitlines()[1:]
    return {line.split(",", 1)[0] for line in lines}


def walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
            if key in DATE_KEYS and item is not None:
                yield path + "." + key, item
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def assert_valid(package: dict) -> None:
    errors = sorted(validator().iter_errors(package), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])
    for where, value in walk(package):
        assert ISO_WITH_ZONE.match(value), f"{where}: {value!r} is not ISO 8601 with a zone"
    ids = [release["id"] for release in package["releases"]]
    assert len(ids) == len(set(ids))
    tags = codes("releaseTag.csv")
    for release in package["releases"]:
        assert set(release["tag"]) <= tags
        if "tender" in release:
            assert release["tender"]["status"] in codes("tenderStatus.csv")
        for contract in release.get("contracts", []):
            assert contract["status"] in codes("contractStatus.csv")
            for milestone in contract.get("implementation", {}).get("milestones", []):
                assert milestone["status"] in codes("milestoneStatus.csv")
        for party in release["parties"]:
            assert set(party["roles"]) <= codes("partyRole.csv")


def fetch(client, page: int = 1) -> dict:
    response = client.get(f"/opendata/ocds.json?page={page}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def releases_of(package: dict, ocid: str) -> list[dict]:
    return [r for r in package["releases"] if r["ocid"] == ocid]


@pytest.fixture
def edge_cases(session):
    """Every shape a process can take, in Vietnamese."""
    cases = {}
    # realistic: awarded, order active and part-paid, a consortium bid
    challenge, _award, order = tf.make_process(
        session, title="Hệ thống AI điều phối đèn giao thông tại Hà Nội – đợt 1")
    tf.make_bid(session, challenge, kind=OrgKind.UNIVERSITY,
                partners=[(OrgKind.STARTUP, PartnerStatus.ACCEPTED)])
    cases["realistic"] = challenge
    # open, with sealed submissions: no bids anywhere
    open_challenge = factories.make_challenge(session, title="Bài toán đang mở: y tế số")
    factories.make_submission(session, challenge=open_challenge, summary=SEALED,
                              technical_approach=SEALED)
    cases["open"] = open_challenge
    # closed/evaluating with bids, no awards (and a rejected award, not public)
    evaluating = tf.make_closed_challenge(session)
    bid = tf.make_bid(session, evaluating, summary=SEALED)
    tf.make_bid(session, evaluating, status=SubmissionStatus.DISQUALIFIED,
                disqualification_reason="Không đủ điều kiện")
    tf.make_award(session, evaluating, [(bid, 100_000_000)], status=AwardStatus.REJECTED)
    cases["no_awards"] = evaluating
    # several awards: parallel pilots, one order terminated, one signed with no payment
    parallel = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED,
                                        parallel_pilots_allowed=True)
    parallel.awarded_at = parallel.evaluating_at + timedelta(days=3)
    first, second = tf.make_bid(session, parallel), tf.make_bid(session, parallel)
    award = tf.make_award(session, parallel, [(first, 600_000_000), (second, 400_000_000)],
                          decided_at=parallel.awarded_at)
    terminated = tf.make_order(session, award.items[0], status=OrderStatus.TERMINATED)
    tf.make_milestone(session, terminated, amount=600_000_000)
    signed = tf.make_order(session, award.items[1], status=OrderStatus.SIGNED)
    tf.make_milestone(session, signed, amount=400_000_000)
    cases["several_awards"] = parallel
    # completed order, every milestone paid
    completed, _award, done = tf.make_process(session, order_status=OrderStatus.COMPLETED)
    for milestone in done.milestones:
        if milestone.status is MilestoneStatus.PLANNED:
            milestone.status = MilestoneStatus.PAID
            milestone.accepted_at = utcnow() - timedelta(days=3)
            milestone.paid_at = utcnow() - timedelta(days=1)
            tf.make_payment(session, milestone)
    cases["completed"] = completed
    # an order still offered (not public) on an awarded challenge: zero contracts
    unsigned_challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED)
    unsigned_challenge.awarded_at = unsigned_challenge.evaluating_at + timedelta(days=1)
    unsigned_bid = tf.make_bid(session, unsigned_challenge)
    unsigned_award = tf.make_award(session, unsigned_challenge, [(unsigned_bid, 50_000_000)])
    tf.make_order(session, unsigned_award.items[0], status=OrderStatus.OFFERED)
    cases["unsigned"] = unsigned_challenge
    # cancelled while open, and cancelled after close
    cases["cancelled_open"] = factories.make_challenge(
        session, status=ChallengeStatus.CANCELLED, cancel_reason="Thay đổi kế hoạch ngân sách",
        cancelled_at=utcnow())
    factories.make_submission(session, challenge=cases["cancelled_open"], summary=SEALED)
    cases["cancelled_closed"] = tf.make_closed_challenge(
        session, status=ChallengeStatus.CANCELLED, cancel_reason="Không có giải pháp phù hợp",
        cancelled_at=utcnow())
    tf.make_bid(session, cases["cancelled_closed"])
    # a draft: never published
    cases["draft"] = factories.make_challenge(session, status=ChallengeStatus.DRAFT,
                                              title="Bản nháp bí mật")
    session.flush()
    return cases


def test_the_package_validates_on_every_edge_case(app, client, edge_cases):
    package = fetch(client)
    assert_valid(package)
    prefix = app.config["OCDS_PREFIX"]
    ocids = {r["ocid"] for r in package["releases"]}
    expected = {f"{prefix}-{c.id}" for name, c in edge_cases.items() if name != "draft"}
    assert ocids == expected


def test_an_empty_page_beyond_the_end_is_404(client):
    assert client.get("/opendata/ocds.json?page=2").status_code == 404
    assert client.get("/opendata/ocds.json?page=x").status_code == 404


def test_stages_become_releases(app, client, edge_cases):
    package = fetch(client)
    prefix = app.config["OCDS_PREFIX"]

    def tags(name):
        return sorted(t for r in releases_of(package, f"{prefix}-{edge_cases[name].id}")
                      for t in r["tag"])

    assert tags("realistic") == ["award", "contract", "implementation", "tenderUpdate"]
    assert tags("open") == ["tender"]
    assert tags("no_awards") == ["tenderUpdate"]
    assert tags("several_awards") == ["award", "contract", "contract", "contractTermination",
                                      "tenderUpdate"]
    assert tags("completed") == ["award", "contract", "contractTermination", "tenderUpdate"]
    assert tags("unsigned") == ["award", "tenderUpdate"]
    assert tags("cancelled_open") == ["tenderCancellation"]

    several = releases_of(package, f"{prefix}-{edge_cases['several_awards'].id}")
    award = next(r for r in several if "award" in r["tag"])
    assert [a["value"]["amount"] for a in award["awards"]] == [600_000_000, 400_000_000]
    assert {p["id"] for p in award["parties"] if "supplier" in p["roles"]} == {
        a["suppliers"][0]["id"] for a in award["awards"]}
    ended = next(r for r in several if "contractTermination" in r["tag"])
    assert ended["contracts"][0]["status"] == "terminated"
    assert ended["contracts"][0]["implementation"].get("transactions") is None
    contract_ids = [c["awardID"] for r in several for c in r.get("contracts", [])]
    assert set(contract_ids) <= {a["id"] for a in award["awards"]}


def test_money_dates_and_implementation(app, client, edge_cases):
    package = fetch(client)
    prefix = app.config["OCDS_PREFIX"]
    challenge = edge_cases["realistic"]
    process = releases_of(package, f"{prefix}-{challenge.id}")
    tender = next(r for r in process if "tender" in r)["tender"]
    assert tender["title"] == "Hệ thống AI điều phối đèn giao thông tại Hà Nội – đợt 1"
    assert tender["value"] == {"amount": 2_000_000_000, "currency": "VND"}
    assert tender["status"] == "complete"
    assert tender["numberOfTenderers"] == 3
    assert tender["tenderPeriod"]["endDate"].endswith("Z")
    implementation = next(r for r in process if "implementation" in r["tag"])
    contract = implementation["contracts"][0]
    assert [t["value"]["amount"] for t in contract["implementation"]["transactions"]] == [
        400_000_000]
    assert [m["status"] for m in contract["implementation"]["milestones"]] == ["met",
                                                                               "scheduled"]
    assert contract["period"]["startDate"].endswith("T00:00:00+07:00")


def test_only_public_data(client, edge_cases):
    text = json.dumps(fetch(client), ensure_ascii=False)
    assert SEALED not in text
    assert TERMS not in text
    assert "Bản nháp bí mật" not in text
    assert "Không đủ điều kiện" not in text  # disqualification reasons stay internal
    package = fetch(client)
    for name in ("open", "cancelled_open"):
        for release in releases_of(package, f"ocds-fcm000-{edge_cases[name].id}"):
            assert "bids" not in release
            assert "numberOfTenderers" not in release["tender"]


def test_release_ids_are_stable_and_the_prefix_is_configurable(app, client, edge_cases):
    first = [r["id"] for r in fetch(client)["releases"]]
    assert first == [r["id"] for r in fetch(client)["releases"]]
    app.config["OCDS_PREFIX"] = "ocds-test99"
    try:
        assert all(r["ocid"].startswith("ocds-test99-") for r in fetch(client)["releases"])
    finally:
        app.config["OCDS_PREFIX"] = "ocds-fcm000"


def count_selects(app, client, path):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_pages_link_on_and_cost_the_same_queries(app, client, session, monkeypatch):
    monkeypatch.setattr(ocds, "PAGE_SIZE", 3)
    # every page reads the data version (its ETag and Last-Modified, issue 16), not one
    # kept by the process for a second
    monkeypatch.setitem(app.config, "CACHE_VERSION_TTL", 0)
    for _ in range(7):
        tf.make_process(session)
    response, first_page = count_selects(app, client, "/opendata/ocds.json")
    package = response.get_json()
    assert_valid(package)
    assert len({r["ocid"] for r in package["releases"]}) == 3
    assert package["links"]["next"].endswith("/opendata/ocds.json?page=2")
    response, last_page = count_selects(app, client, "/opendata/ocds.json?page=3")
    package = response.get_json()
    assert_valid(package)
    assert "next" not in package["links"] and package["links"]["prev"].endswith("page=2")
    # issue 7: any public page in 6, and the data version
    assert first_page == last_page == ocds.QUERIES + 1 <= 7
