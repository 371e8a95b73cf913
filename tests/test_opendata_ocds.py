"""The OCDS release package validates against the official 1.1.5 schema, on realistic
data and on edge cases, holds only public data, and pages with a fixed query count."""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from marketplace.accounts.models import OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import AwardStatus
from marketplace.extensions import db
from marketplace.opendata import ocds
from marketplace.opendata.records import merge_patch
from marketplace.orders.models import MilestoneStatus, OrderStatus
from marketplace.submissions.models import PartnerStatus, SubmissionStatus
from marketplace.types import utcnow
from tests import factories, ocds_offline
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
    for name in ("bid-v1.1.5", "enquiry-v1.1.5"):
        extension = SCHEMA_DIR / "extensions" / name / "release-schema.json"
        release_schema = merge_patch(release_schema, json.loads(extension.read_text()))
    registry = Registry().with_resource(
        release_schema["id"], Resource.from_contents(release_schema, default_specification=DRAFT4))
    return Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())


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
    return make_edge_cases(session)


def make_edge_cases(session):
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
        return sorted({t for r in releases_of(package, f"{prefix}-{edge_cases[name].id}")
                       for t in r["tag"]})

    assert tags("realistic") == ["award", "contract", "contractUpdate", "implementation",
                                 "tender", "tenderUpdate"]
    assert tags("open") == ["tender"]
    assert tags("no_awards") == ["tender", "tenderUpdate"]
    assert tags("several_awards") == ["award", "contract", "contractTermination",
                                      "contractUpdate", "tender", "tenderUpdate"]
    assert tags("completed") == ["award", "contract", "contractTermination",
                                 "contractUpdate", "implementation", "tender",
                                 "tenderUpdate"]
    assert tags("unsigned") == ["award", "tender", "tenderUpdate"]
    assert tags("cancelled_open") == ["tender", "tenderCancellation"]

    several = releases_of(package, f"{prefix}-{edge_cases['several_awards'].id}")
    award = next(r for r in several if "award" in r["tag"])
    assert [a["value"]["amount"] for a in award["awards"]] == [600_000_000, 400_000_000]
    assert {p["id"] for p in award["parties"] if "supplier" in p["roles"]} == {
        a["suppliers"][0]["id"] for a in award["awards"]}
    ended = next(r for r in several if "contractTermination" in r["tag"])
    assert ended["contracts"][0]["status"] == "terminated"
    assert ended["contracts"][0]["implementation"].get("transactions") is None
    # a terminated contract's unpaid milestones were not met
    assert {m["status"] for m in ended["contracts"][0]["implementation"]["milestones"]} == {
        "notMet"}
    contract_ids = [c["awardID"] for r in several for c in r.get("contracts", [])]
    assert set(contract_ids) <= {a["id"] for a in award["awards"]}


def test_money_dates_and_implementation(app, client, edge_cases):
    package = fetch(client)
    prefix = app.config["OCDS_PREFIX"]
    challenge = edge_cases["realistic"]
    process = releases_of(package, f"{prefix}-{challenge.id}")
    tender = [r for r in process if "tender" in r][-1]["tender"]
    assert tender["title"] == "Hệ thống AI điều phối đèn giao thông tại Hà Nội – đợt 1"
    assert tender["value"] == {"amount": 2_000_000_000, "currency": "VND"}
    assert tender["status"] == "complete"
    assert tender["numberOfTenderers"] == 3
    assert tender["tenderPeriod"]["endDate"].endswith("Z")
    implementation = [r for r in process if "implementation" in r["tag"]][-1]
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


def _link(response, rel: str) -> str | None:
    """The path and query of the `Link` header's `rel` target, or None."""
    for part in response.headers.get("Link", "").split(", "):
        if part.endswith(f'rel="{rel}"'):
            return part[1:part.index(">")].removeprefix("http://localhost")
    return None


@pytest.mark.parametrize("feed", ["ocds", "records"])
def test_pages_link_on_by_cursor_and_cost_the_same_queries(app, client, session, monkeypatch,
                                                           feed):
    """Issue 21: the feeds' next pages by keyset (`?after=`): the first page and one five
    pages deep run the same statements, and neither skips a row (no OFFSET; SQLite's
    dialect writes `OFFSET 0`)."""
    from tests.statements import capture_statements, offsets

    monkeypatch.setattr(ocds, "PAGE_SIZE", 3)
    # every page reads the data version (its ETag and Last-Modified, issue 16), not one
    # kept by the process for a second
    monkeypatch.setitem(app.config, "CACHE_VERSION_TTL", 0)
    made = sorted(tf.make_process(session)[0].id for _ in range(17))
    key = "releases" if feed == "ocds" else "records"
    path, seen, costs, skipped, pages = f"/opendata/{feed}.json", [], [], [], 0
    while path:
        response, statements = capture_statements(client, path)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        package = response.get_json()
        if feed == "ocds":
            assert_valid(package)
        else:
            assert_record_package_valid(package)
        assert "links" not in package  # pagination is in the Link header, not the package
        pages += 1
        ids = sorted({int(item["ocid"].rsplit("-", 1)[1]) for item in package[key]})
        assert len(ids) == (3 if pages < 6 else 2)
        seen += ids
        costs.append(len([s for s, _p in statements if s.lstrip().upper().startswith("SELECT")]))
        skipped += offsets(statements)
        following = _link(response, "next")
        if following:
            assert "page=" not in following and "after=" in following
        if pages > 1:  # the page says where it is
            assert package["uri"].removeprefix("http://localhost") == path
        path = following
    assert seen == made and pages == 6  # every process once, in id order
    # issue 7: any page costs the same: its statements and the data version
    assert costs == [ocds.QUERIES + 1] * 6
    assert set(skipped) <= {0}


def test_numbered_pages_of_before_still_answer_and_deep_ones_say_why_not(app, client,
                                                                        session, monkeypatch):
    """`?page=N` up to `NUMBERED_PAGES` as before (their next link a cursor); past it
    400 in JSON pointing to the links and the bulk files; a cursor that does not decode
    is 400; a cursor past the last process 404."""
    from marketplace import keyset
    from marketplace.opendata.routes import NUMBERED_PAGES

    monkeypatch.setattr(ocds, "PAGE_SIZE", 3)
    made = sorted(tf.make_process(session)[0].id for _ in range(7))
    response = client.get("/opendata/ocds.json?page=2")
    assert sorted({int(r["ocid"].rsplit("-", 1)[1]) for r in response.get_json()["releases"]}
                  ) == made[3:6]
    assert _link(response, "prev") == "/opendata/ocds.json?page=1"
    assert _link(response, "next") == (
        f"/opendata/ocds.json?after={keyset.encode_id(made[5], 3)}")
    last = client.get(_link(response, "next"))
    assert [r["ocid"] for r in last.get_json()["releases"]][-1].endswith(f"-{made[6]}")
    assert _link(last, "next") is None and _link(last, "prev") == "/opendata/ocds.json?page=2"
    assert client.get(f"/opendata/ocds.json?page={NUMBERED_PAGES}").status_code == 404
    deep = client.get(f"/opendata/ocds.json?page={NUMBERED_PAGES + 1}")
    assert deep.status_code == 400 and deep.mimetype == "application/json"
    assert "rel=\"next\"" in deep.get_json()["error"] and "/opendata/" in deep.get_json()["error"]
    for token in ("x", "MTox0jE", keyset.encode(utcnow(), 1, 2), "A" * 80):
        response = client.get(f"/opendata/records.json?after={token}")
        assert response.status_code == 400 and "error" in response.get_json(), token
    assert client.get(f"/opendata/ocds.json?after={keyset.encode_id(made[-1], 4)}"
                      ).status_code == 404


# --- issue 16: a generated multi-page data set, checked with the official tools -------

GENERATED_PAGE_SIZE = 4


def make_history(session):
    """A published challenge changed after publication (an amendment moving the deadline,
    a new document, an answered question) and an amended contract."""
    from marketplace.challenges.models import Amendment, Clarification
    from marketplace.files.models import Attachment
    from marketplace.orders.models import OrderAmendment

    published = utcnow() - timedelta(days=9)
    challenge = factories.make_challenge(session, published_at=published,
                                         submission_deadline=utcnow() + timedelta(days=20),
                                         clarification_deadline=utcnow() + timedelta(days=5))
    officer = challenge.created_by
    session.add(Amendment(challenge=challenge, created_by_id=officer.id,
                          created_at=published + timedelta(days=2),
                          summary="Gia hạn nộp hồ sơ thêm 10 ngày",
                          changes={"submission_deadline": {
                              "before": (challenge.submission_deadline
                                         - timedelta(days=10)).isoformat(),
                              "after": challenge.submission_deadline.isoformat()}}))
    session.add(Attachment(challenge_id=challenge.id, original_name="Phụ lục kỹ thuật.pdf",
                           stored_name=f"h{challenge.id:063d}", content_type="application/pdf",
                           size=10, sha256="b" * 64, uploaded_by_id=officer.id,
                           created_at=published + timedelta(days=3)))
    asker = factories.make_org(session)
    session.add(Clarification(challenge_id=challenge.id, asked_by_id=officer.id,
                              asker_org_id=asker.id, question="Có cần dữ liệu mẫu không?",
                              answer="Có, chúng tôi cung cấp dữ liệu mẫu.",
                              asked_at=published + timedelta(days=3, hours=1),
                              answered_at=published + timedelta(days=4),
                              answered_by_id=officer.id))
    _challenge, _award, order = tf.make_process(session)
    signed = order.active_at + timedelta(days=40)
    session.add(OrderAmendment(
        order_id=order.id, version=2, reason="Kéo dài thời gian thí điểm theo đề nghị",
        changes={"before": {"value": order.value, "start_date": order.start_date.isoformat(),
                            "end_date": order.end_date.isoformat(), "milestones": []},
                 "after": {"value": order.value, "start_date": order.start_date.isoformat(),
                           "end_date": (order.end_date + timedelta(days=30)).isoformat(),
                           "milestones": []}},
        proposed_by_id=order.created_by_id, proposed_at=signed - timedelta(days=1),
        terms_sha256="c" * 64, solver_signed_at=signed - timedelta(hours=2),
        solver_signed_by_id=order.created_by_id, agency_signed_at=signed,
        agency_signed_by_id=order.created_by_id))
    order.end_date = order.end_date + timedelta(days=30)
    order.version = 2
    session.flush()
    return challenge, order, asker


@pytest.fixture(scope="module")
def generated(app):
    """Every edge case, a history and a few more processes, as release and record
    packages of `GENERATED_PAGE_SIZE` processes a page; the data are rolled back."""
    from marketplace.opendata import records
    from marketplace.opendata.routes import PublicUrls
    from tests.conftest import rolled_back

    with rolled_back(app), app.test_request_context("/"):
        session = db.session
        cases = make_edge_cases(session)
        history, amended_order, asker = make_history(session)
        for _ in range(3):
            tf.make_process(session)
        urls, packages, record_packages, page, more = PublicUrls(), [], [], 1, True
        license_url = app.config["OPENDATA_LICENSE"]
        while more:
            package, _found, more = ocds.release_package(
                session, prefix="ocds-fcm000", page=page, urls=urls,
                license_url=license_url, page_size=GENERATED_PAGE_SIZE)
            packages.append(package)
            record_packages.append(records.record_package(
                session, prefix="ocds-fcm000", page=page, urls=urls,
                license_url=license_url, page_size=GENERATED_PAGE_SIZE)[0])
            page += 1
        ocids = {name: f"ocds-fcm000-{c.id}" for name, c in cases.items()}
        ocids["history"] = f"ocds-fcm000-{history.id}"
        ocids["amended_order"] = f"ocds-fcm000-{amended_order.challenge_id}"
        data = {"packages": packages, "records": record_packages, "ocids": ocids,
                "asker": asker.name_vi}
    yield data  # after the rollback: other tests' writes never wait for this one


def all_releases(generated) -> list[dict]:
    return [r for package in generated["packages"] for r in package["releases"]]


@pytest.fixture(scope="module")
def cove(generated, tmp_path_factory):
    """libcoveocds on every page, offline (`tests.ocds_offline`)."""
    return ocds_offline.review(generated["packages"], tmp_path_factory.mktemp("cove"))


def test_libcoveocds_finds_nothing_on_any_page(generated, cove):
    results, refused = cove
    assert len(generated["packages"]) >= 3  # a multi-page package
    assert refused == []  # nothing fetched, nothing skipped
    for result in results:
        assert result["validation_errors"] == []
        assert result["additional_fields"] == []
        assert result["additional_closed_codelist_values"] == {}
        extensions = result["extensions"]
        assert [e["url"] for e in extensions["extensions"]] == ocds.EXTENSIONS
        assert all(not e["failed_codelists"] for e in extensions["extensions"])
        assert not extensions["invalid_extension"] and extensions["is_extended_schema"]
        assert result["all_additional_fields"] == []


def test_every_page_validates_and_declares_licence_and_policy(app, generated):
    for package in generated["packages"]:
        assert_valid(package)
        assert package["license"] == app.config["OPENDATA_LICENSE"] == (
            "https://creativecommons.org/licenses/by/4.0/")
        assert package["publicationPolicy"].endswith("/opendata/")
        assert package["extensions"] == ocds.EXTENSIONS


def test_ocdskit_compile_gives_one_record_per_process_with_the_latest_state(generated):
    from ocdskit.combine import merge

    from marketplace.opendata.records import release_schema

    releases = all_releases(generated)
    compiled = list(merge([{"releases": releases}], schema=release_schema(),
                          return_package=False, use_linked_releases=False))
    by_ocid = {r["ocid"]: r for r in compiled}
    assert len(compiled) == len(by_ocid) == len({r["ocid"] for r in releases})
    several = by_ocid[generated["ocids"]["several_awards"]]
    assert sorted(c["status"] for c in several["contracts"]) == ["pending", "terminated"]
    history = by_ocid[generated["ocids"]["history"]]
    assert [a["rationale"] for a in history["tender"]["amendments"]] == [
        "Gia hạn nộp hồ sơ thêm 10 ngày"]
    # the records.json pages hold the same compiled releases, made with ocdsmerge
    records = {r["ocid"]: r for p in generated["records"] for r in p["records"]}
    assert records.keys() == by_ocid.keys()
    for ocid, record in records.items():
        assert record["compiledRelease"]["tender"] == by_ocid[ocid]["tender"]
        assert [r["date"] for r in record["releases"]] == sorted(
            r["date"] for r in releases if r["ocid"] == ocid)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_data_quality_rules(generated):
    """Dates in order, roles coherent, contract.awardID links, transactions within the
    contract's value, tender period start < end, contract start on or after the award."""
    from marketplace.opendata.records import compile_releases

    by_ocid = defaultdict(list)
    for release in all_releases(generated):
        by_ocid[release["ocid"]].append(release)
    for ocid, releases in by_ocid.items():
        dates = [_when(r["date"]) for r in releases]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), ocid
        compiled = compile_releases(releases)
        roles = {p["id"]: set(p["roles"]) for p in compiled["parties"]}
        tender = compiled["tender"]
        tenderers = {t["id"] for t in tender.get("tenderers", [])}
        suppliers = {s["id"] for a in compiled.get("awards", []) for s in a["suppliers"]}
        transactions = [t for c in compiled.get("contracts", [])
                        for t in c.get("implementation", {}).get("transactions", [])]
        assert {p for p, r in roles.items() if "tenderer" in r} == tenderers, ocid
        assert {p for p, r in roles.items() if "supplier" in r} == suppliers, ocid
        assert suppliers <= tenderers or not tenderers, ocid
        assert {p for p, r in roles.items() if "payee" in r} == {
            t["payee"]["id"] for t in transactions}, ocid
        assert {p for p, r in roles.items() if "payer" in r} == {
            t["payer"]["id"] for t in transactions}, ocid
        assert roles[compiled["buyer"]["id"]] >= {"buyer", "procuringEntity"}
        period = tender["tenderPeriod"]
        assert _when(period["startDate"]) < _when(period["endDate"]), ocid
        awards = {a["id"]: a for a in compiled.get("awards", [])}
        for contract in compiled.get("contracts", []):
            award = awards[contract["awardID"]]
            paid = sum(t["value"]["amount"] for t in
                       contract.get("implementation", {}).get("transactions", []))
            assert paid <= contract["value"]["amount"] <= award["value"]["amount"]
            # the start is a day in Viet Nam: on or after the award's day there
            award_day = _when(award["date"]).astimezone(timezone(timedelta(hours=7))).date()
            assert date.fromisoformat(contract["period"]["startDate"][:10]) >= award_day


def test_history_is_kept(generated):
    """The tender as published, then amended (tenderAmendment with amendments[]), a new
    document, an answered question; each a release of its own; the asker never shown."""
    releases = [r for r in all_releases(generated) if r["ocid"] == generated["ocids"]["history"]]
    assert [r["tag"] for r in releases] == [["tender"], ["tenderAmendment"], ["tenderUpdate"],
                                            ["tenderUpdate"]]
    first, amended, document, answered = releases
    assert "amendments" not in first["tender"]
    assert _when(first["tender"]["tenderPeriod"]["endDate"]) < _when(
        amended["tender"]["tenderPeriod"]["endDate"])
    assert amended["tender"]["amendments"] == [{
        "id": amended["tender"]["amendments"][0]["id"], "date": amended["date"],
        "rationale": "Gia hạn nộp hồ sơ thêm 10 ngày",
        "description": "Sửa đổi hồ sơ mời: hạn nộp hồ sơ."}]
    assert len(document["tender"]["documents"]) == len(amended["tender"]["documents"]) + 1
    assert "enquiries" not in document["tender"]
    enquiry = answered["tender"]["enquiries"][0]
    assert enquiry["answer"] == "Có, chúng tôi cung cấp dữ liệu mẫu."
    assert "author" not in enquiry
    assert generated["asker"] not in json.dumps(answered, ensure_ascii=False)
    contract = [r for r in all_releases(generated)
                if r["ocid"] == generated["ocids"]["amended_order"]
                and r["tag"] == ["contractAmendment"]]
    assert len(contract) == 1
    amendment = contract[0]["contracts"][0]["amendments"][0]
    assert amendment["rationale"] == "Kéo dài thời gian thí điểm theo đề nghị"
    assert amendment["description"].startswith("Sửa đổi đơn đặt hàng: thời gian thực hiện")


def test_parties_identifiers_and_vietnamese_words(generated):
    text = json.dumps(generated["packages"], ensure_ascii=False)
    assert " VND" not in text and '"#' not in text and "paid:" not in text
    for release in all_releases(generated):
        for party in release["parties"]:
            assert party["identifier"]["scheme"] == "VN-TIN"
            assert party["identifier"]["id"]
            assert "details" not in party
        for contract in release.get("contracts", []):
            for milestone in contract.get("implementation", {}).get("milestones", []):
                assert milestone["description"].endswith(".")
                assert "đồng" in milestone["description"]
        if "bids" in release:
            assert {s["measure"] for s in release["bids"]["statistics"]} <= codes_of_bids()


def codes_of_bids() -> set[str]:
    path = SCHEMA_DIR / "extensions" / "bid-v1.1.5" / "codelists" / "bidStatistics.csv"
    return {line.split(",")[1] for line in path.read_text().splitlines()[1:]}


def test_a_later_change_keeps_the_earlier_releases(app, client, session):
    from marketplace.challenges.models import Amendment

    challenge = factories.make_challenge(session, published_at=utcnow() - timedelta(days=3))
    before = fetch(client)["releases"]
    session.add(Amendment(challenge=challenge, created_by_id=challenge.created_by_id,
                          summary="Bổ sung mô tả", changes={"problem": {
                              "before": challenge.problem, "after": challenge.problem + "!"}}))
    challenge.problem += "!"
    session.flush()
    after = fetch(client)["releases"]
    assert after[:len(before)] == before
    assert [r["tag"] for r in after[len(before):]] == [["tenderAmendment"]]


def test_since_records_and_bulk_files(app, client, session, tmp_path):
    from marketplace import jobs

    old, _award, _order = tf.make_process(session)
    new = factories.make_challenge(session, published_at=utcnow())
    since = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = fetch_json(client, f"/opendata/ocds.json?since={since}")
    assert {r["ocid"] for r in recent["releases"]} == {f"ocds-fcm000-{new.id}"}
    assert client.get("/opendata/ocds.json?since=hôm-qua").status_code == 400

    records = fetch_json(client, "/opendata/records.json")
    assert {r["ocid"] for r in records["records"]} == {f"ocds-fcm000-{old.id}",
                                                      f"ocds-fcm000-{new.id}"}
    assert records["license"] == app.config["OPENDATA_LICENSE"]
    assert_record_package_valid(records)

    assert client.get("/opendata/bulk/releases.jsonl.gz").status_code == 404
    original, app.config["OPENDATA_DIR"] = app.config["OPENDATA_DIR"], str(tmp_path)
    try:
        sizes = jobs.JOBS["write_opendata"]()
        assert set(sizes) == {"releases", "records"}
        response = client.get("/opendata/bulk/records.jsonl.gz")
        assert response.status_code == 200
        lines = gzip.decompress(response.data).decode().splitlines()
        response.close()
        assert len(lines) == 2 and json.loads(lines[0])["compiledRelease"]
        page = client.get("/opendata/").get_data(as_text=True)
        assert "ocds-records.jsonl.gz" in page and "creativecommons.org/licenses/by/4.0" in page
    finally:
        app.config["OPENDATA_DIR"] = original


def fetch_json(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def assert_record_package_valid(package: dict) -> None:
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    from marketplace.opendata.records import release_schema

    schema = json.loads((SCHEMA_DIR / "record-package-schema.json").read_text())
    registry = Registry().with_resource(
        release_schema()["id"], Resource.from_contents(release_schema(),
                                                       default_specification=DRAFT4))
    errors = list(Draft4Validator(schema, registry=registry,
                                  format_checker=FormatChecker()).iter_errors(package))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:10]]


def test_remembered_words_and_dates_do_not_change_a_page(app, client, edge_cases):
    """The feed remembers Vietnamese labels, amounts, eligibility and times across requests
    (`ocds._vi`, `dong`, `_eligibility_of`, `_iso`): a page built with them remembered
    from a request in English is byte for byte the page built from nothing."""
    from marketplace.opendata import ocds

    def forget():
        for remembered in (ocds._vi, ocds.dong, ocds._eligibility_of, ocds._iso):
            remembered.cache_clear()

    forget()
    cold = client.get("/opendata/ocds.json?page=1").get_data()
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    forget()
    english_first = client.get("/opendata/ocds.json?page=1").get_data()
    with client.session_transaction() as browser:
        browser["lang"] = "vi"
    warm = client.get("/opendata/ocds.json?page=1").get_data()
    assert ocds._vi.cache_info().currsize and ocds.dong.cache_info().currsize
    assert cold == english_first == warm
    assert any(release["tender"].get("eligibilityCriteria", "").startswith("Đơn vị được")
               for release in json.loads(cold)["releases"] if "tender" in release)
