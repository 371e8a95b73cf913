"""One visibility rule per kind of object (issue 14): for every challenge, award and
pilot order of the access-matrix world, "visible on its page" to a visitor is the same
answer as "present" in the API, the CSV, the OCDS feed, the search index's rule and the
activity stream. The named instance: an order offered and then terminated before anyone
signed was public on /orders/<id> (200) but 404 in the API and absent from orders.csv."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from marketplace.activity.services import activity_page
from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Award
from marketplace.orders.models import PilotOrder
from marketplace.search.documents import is_indexed_challenge

# one worker builds this module's world (a second would build it again): xdist_group
pytestmark = [pytest.mark.shared_world, pytest.mark.xdist_group("security-visibility")]


def _csv_ids(client, name: str, column: str) -> set[int]:
    response = client.get(f"/opendata/{name}.csv")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return {int(row[column]) for row in csv.DictReader(io.StringIO(text, newline=""))}


def _ocds(client):
    challenges, awards, contracts = set(), set(), set()
    page = 1
    while True:
        response = client.get(f"/opendata/ocds.json?page={page}")
        if response.status_code == 404:
            break
        package = response.get_json()
        for release in package["releases"]:
            challenges.add(int(release["ocid"].rsplit("-", 1)[1]))
            if match := re.search(r"-award-(\d+)$", release["id"]):
                awards.add(int(match.group(1)))
            contracts |= {int(c["id"]) for c in release.get("contracts", [])}
        if 'rel="next"' not in response.headers.get("Link", ""):  # pagination: RFC 8288
            break
        page += 1
    return challenges, awards, contracts


def _activity_objects(session) -> set[tuple[str, int]]:
    objects, before = set(), None
    while True:
        page = activity_page(session, before=before, limit=200)
        for item in page.items:
            if item.link and (m := re.search(r"/(challenges|orders)/(\d+)", item.link)):
                objects.add((m.group(1), int(m.group(2))))
        if page.next_before is None:
            return objects
        before = page.next_before


def test_visible_on_its_page_is_present_in_every_export(app, client, session, world):
    challenges = session.scalars(select(Challenge)).all()
    awards = session.scalars(select(Award)).all()
    orders = session.scalars(select(PilotOrder)).all()
    ocds_challenges, ocds_awards, ocds_contracts = _ocds(client)
    csv_challenges = _csv_ids(client, "challenges", "id")
    csv_awards = _csv_ids(client, "awards", "award_id")
    csv_orders = _csv_ids(client, "orders", "id")
    with app.test_request_context():
        activity = _activity_objects(session)
    problems = []

    def same(kind, obj_id, page, exports: dict):
        for surface, present in exports.items():
            if present != page:
                problems.append(f"{kind} {obj_id}: page {'200' if page else '404'}, "
                                f"{surface} {'has' if present else 'lacks'} it")

    for challenge in challenges:
        page = client.get(f"/challenges/{challenge.id}").status_code == 200
        same("challenge", challenge.id, page, {
            "API": client.get(f"/api/v1/challenges/{challenge.id}").status_code == 200,
            "CSV": challenge.id in csv_challenges, "OCDS": challenge.id in ocds_challenges,
            "search": is_indexed_challenge(challenge)})
        if ("challenges", challenge.id) in activity and not page:
            problems.append(f"challenge {challenge.id}: in the activity stream, page 404")
    for award in awards:
        page = client.get(f"/challenges/{award.challenge_id}/award").status_code == 200 \
            and client.get(f"/evaluation/awards/{award.id}").status_code != 404
        api = client.get(f"/api/v1/awards/{award.id}").status_code == 200
        same("award", award.id, api, {"CSV": award.id in csv_awards,
                                      "OCDS": award.id in ocds_awards})
        if api and not page:
            problems.append(f"award {award.id}: in the API, not on the award page")
    for order in orders:
        page = client.get(f"/orders/{order.id}").status_code == 200
        same("order", order.id, page, {
            "API": client.get(f"/api/v1/orders/{order.id}").status_code == 200,
            "CSV": order.id in csv_orders, "OCDS": order.id in ocds_contracts})
        if ("orders", order.id) in activity and not page:
            problems.append(f"order {order.id}: in the activity stream, page 404")
    assert not problems, "\n".join(problems)
    assert len(challenges) > 8 and len(orders) > 5


def test_an_order_terminated_before_signature_is_nowhere(app, client, world):
    order = world.terminated_unsigned
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert client.get(f"/api/v1/orders/{order.id}").status_code == 404
    assert order.id not in _csv_ids(client, "orders", "id")


def test_a_challenge_cancelled_as_a_draft_is_nowhere(app, client, world):
    challenge = world.cancelled_draft
    assert client.get(f"/challenges/{challenge.id}").status_code == 404
    assert client.get(f"/api/v1/challenges/{challenge.id}").status_code == 404
    assert not is_indexed_challenge(challenge)
