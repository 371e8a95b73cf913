"""The read-only JSON API: pagination, filters, JSON errors, and only public data."""

from __future__ import annotations

import json

import pytest

from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import AwardStatus
from marketplace.orders.models import MilestoneStatus, OrderStatus
from tests import factories
from tests import transparency_factories as tf

SEALED = "Nội dung niêm phong: thuật toán riêng"


@pytest.fixture
def world(session):
    agency = factories.make_agency(session, officer=factories.make_user(session))
    challenges = [factories.make_challenge(session, agency=agency,
                                           creator=agency.memberships[0].user,
                                           title=f"Giao thông thông minh {i}") for i in range(4)]
    factories.make_submission(session, challenge=challenges[0], summary=SEALED,
                              technical_approach=SEALED)
    draft = factories.make_challenge(session, status=ChallengeStatus.DRAFT, title="Bản nháp")
    awarded, award, order = tf.make_process(session, title="Y tế số cho bệnh viện tuyến huyện")
    delivered = order.milestones[1]
    delivered.status = MilestoneStatus.DELIVERED
    offered_challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED)
    bid = tf.make_bid(session, offered_challenge)
    offered_award = tf.make_award(session, offered_challenge, [(bid, 90_000_000)])
    offered = tf.make_order(session, offered_award.items[0], status=OrderStatus.OFFERED)
    proposed_challenge = tf.make_closed_challenge(session)
    proposed = tf.make_award(session, proposed_challenge,
                             [(tf.make_bid(session, proposed_challenge), 70_000_000)],
                             status=AwardStatus.PROPOSED)
    session.flush()
    return {"agency": agency, "challenges": challenges, "draft": draft, "awarded": awarded,
            "award": award, "order": order, "offered": offered, "proposed": proposed}


def test_challenges_are_paginated(client, world):
    page = client.get("/api/v1/challenges?per_page=2").get_json()
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 7, "pages": 4}
    assert len(page["data"]) == 2
    assert page["links"]["prev"] is None
    assert page["links"]["next"].endswith("/api/v1/challenges?page=2&per_page=2")
    seen = []
    url = "/api/v1/challenges?per_page=2"
    while url:
        body = client.get(url).get_json()
        seen += [c["id"] for c in body["data"]]
        url = body["links"]["next"]
        url = url and url.replace("http://localhost", "")
    assert len(seen) == len(set(seen)) == 7
    assert world["draft"].id not in seen


def test_per_page_is_at_most_100(client, world):
    assert client.get("/api/v1/challenges?per_page=500").get_json()["meta"]["per_page"] == 100


@pytest.mark.parametrize("query", ["page=x", "per_page=-1", "status=draft", "agency=abc"])
def test_bad_parameters_are_json_400(client, query):
    response = client.get(f"/api/v1/challenges?{query}")
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_filters(client, world):
    def ids(query):
        return {c["id"] for c in client.get(f"/api/v1/challenges?{query}").get_json()["data"]}

    assert ids(f"agency={world['agency'].id}") == {c.id for c in world["challenges"]}
    assert ids("status=awarded") == {world["awarded"].id, world["offered"].challenge_id}


def test_challenge_detail_and_sealed_bids(client, world):
    open_one = client.get(f"/api/v1/challenges/{world['challenges'][0].id}").get_json()
    assert open_one["bids"] is None  # not even the number before the deadline
    assert [c["weight"] for c in open_one["criteria"]] == [40, 35, 25]
    awarded = client.get(f"/api/v1/challenges/{world['awarded'].id}").get_json()
    assert awarded["bids"] == {"count": 2, "disqualified": 0}
    assert awarded["awards"] == [world["award"].id]
    assert awarded["orders"] == [world["order"].id]


def test_drafts_and_unpublished_things_are_json_404(client, world):
    for path in (f"/api/v1/challenges/{world['draft'].id}", "/api/v1/challenges/999999",
                 f"/api/v1/orders/{world['offered'].id}", f"/api/v1/awards/{world['proposed'].id}",
                 "/api/v1/nothing-here"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert set(response.get_json()) == {"error"}


def test_awards_and_orders(client, world):
    awards = client.get("/api/v1/awards").get_json()
    assert {a["id"] for a in awards["data"]} == {world["award"].id,
                                                 world["offered"].award_item.award_id}
    detail = client.get(f"/api/v1/awards/{world['award'].id}").get_json()
    assert detail["items"][0]["amount"] == 1_000_000_000
    orders = client.get("/api/v1/orders").get_json()
    assert [o["id"] for o in orders["data"]] == [world["order"].id]
    order = client.get(f"/api/v1/orders/{world['order'].id}").get_json()
    assert order["paid"] == 400_000_000
    # a delivered milestone is not public until accepted: it shows as planned
    assert [m["status"] for m in order["milestones"]] == ["paid", "planned"]
    assert [p["amount"] for p in order["payments"]] == [400_000_000]
    assert "terms" not in order and "reference" not in order["payments"][0]


def test_no_private_data_anywhere(client, world):
    bodies = []
    for path in ("/api/v1/challenges?per_page=100", "/api/v1/awards", "/api/v1/orders",
                 f"/api/v1/orders/{world['order'].id}",
                 *[f"/api/v1/challenges/{c.id}" for c in world["challenges"]]):
        bodies.append(json.dumps(client.get(path).get_json(), ensure_ascii=False))
    text = "\n".join(bodies)
    assert SEALED not in text
    assert "Bản nháp" not in text
    assert world["order"].terms not in text
    assert "Nhận xét riêng" not in text


def test_read_only(client, world):
    response = client.post("/api/v1/challenges")
    assert response.status_code == 405
    assert "error" in response.get_json()
