"""The public scorecard, ranking and methodology pages: what they show, their downloads,
and the SQL budget of a public page (≤ 6 queries cold, the data version included;
0 warm) at two sizes (tests/test_cache.py)."""

import io

import pytest
from openpyxl import load_workbook

from marketplace.audit.services import record
from marketplace.orders.models import OrderStatus, RatingSide
from marketplace.scorecards import flags
from marketplace.submissions.models import SubmissionStatus
from tests import factories
from tests import transparency_factories as tf
from tests.statements import count_statements
from tests.test_cache import cache_on  # noqa: F401 - a fixture


def _grow(session, agency, n: int):
    """n processes of one agency (and of one solver each): orders, payments, ratings."""
    orders = []
    for i in range(n):
        _challenge, _award, order = tf.make_process(
            session, agency=agency, bids=1 + i % 3,
            order_status=OrderStatus.COMPLETED if i % 2 else OrderStatus.ACTIVE)
        tf.make_rating(session, order, RatingSide.AGENCY, "4.00")
        tf.make_rating(session, order, RatingSide.SOLVER, "3.00")
        tf.make_bid(session, factories.make_challenge(session, agency=agency),
                    status=SubmissionStatus.SUBMITTED)
        orders.append(order)
    flags.recompute(session, flags.Thresholds())
    return orders


@pytest.fixture
def world(session):
    agency = factories.make_agency(session)
    orders = _grow(session, agency, 2)
    session.commit()
    return agency, orders


def test_the_agency_scorecard_shows_its_figures_flags_and_records(client, world):
    agency, orders = world
    page = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert agency.name_vi in page
    assert "Thẻ điểm" in page  # Vietnamese first
    assert "Một hồ sơ hợp lệ duy nhất" in page  # the single-bid flag of the first process
    assert orders[0].contract_number in page
    assert f'href="/challenges/?agency={agency.id}"' in page
    assert 'href="/methodology"' in page


def test_the_solver_scorecard(client, world):
    _agency, orders = world
    page = client.get(f"/organizations/{orders[0].solver_id}/scorecard")
    assert page.status_code == 200
    assert orders[0].contract_number in page.get_data(as_text=True)


def test_an_agency_has_no_solver_scorecard_and_a_solver_no_agency_page(client, world):
    agency, orders = world
    assert client.get(f"/organizations/{agency.id}/scorecard").status_code == 404
    assert client.get(f"/agencies/{orders[0].solver_id}").status_code == 404
    assert client.get("/agencies/999999").status_code == 404


def test_an_unverified_organization_has_no_scorecard(client, session):
    pending = factories.make_agency(session)
    pending.status = "pending"
    session.commit()
    assert client.get(f"/agencies/{pending.id}").status_code == 404


def test_the_ranking_and_its_downloads(client, world):
    agency, _orders = world
    page = client.get("/rankings").get_data(as_text=True)
    assert agency.name_vi in page
    assert client.get("/rankings?by=province&sort=flags_total&year=abc&group=x").status_code \
        == 200
    csv = client.get("/rankings.csv?by=agency")
    assert csv.headers["Content-Type"].startswith("text/csv")
    text = csv.get_data(as_text=True)
    assert text.startswith("\ufeffrank,key,name") and agency.name_vi in text
    xlsx = client.get("/rankings.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:3] == ("rank", "key", "name")
    assert any(line[2] == agency.name_vi for line in lines[1:])


def test_the_methodology_defines_every_flag_with_its_threshold(client):
    page = client.get("/methodology").get_data(as_text=True)
    for kind in flags.FlagKind:
        assert f'id="flag-{kind.value}"' in page
    assert "FLAG_MIN_SUBMISSION_DAYS" in page and "14" in page
    assert "Phương pháp" in page


def test_red_flags_are_open_data(client, world):
    text = client.get("/opendata/red_flags.csv").get_data(as_text=True)
    assert text.startswith("\ufeffid,kind,agency_id") and "single_bid" in text


@pytest.mark.parametrize("kind", ["agency", "solver", "ranking", "methodology"])
def test_public_pages_keep_the_query_budget_at_two_sizes(client, session, cache_on, kind):  # noqa: F811
    agency = factories.make_agency(session)
    orders = _grow(session, agency, 2)
    session.commit()
    path = {"agency": f"/agencies/{agency.id}",
            "solver": f"/organizations/{orders[0].solver_id}/scorecard",
            "ranking": "/rankings?year=2026", "methodology": "/methodology"}[kind]
    first, small = count_statements(client, path)
    second, warm = count_statements(client, path)
    # warm: from the page cache; at most the data version, re-read once a second
    assert small <= 6 and warm <= 1 and second.headers["X-Cache"] == "hit"
    _grow(session, agency, 8)
    record(session, None, "test.change", None, public=True)
    session.commit()
    _response, large = count_statements(client, path)
    assert large == small


def test_flags_show_on_the_challenge_and_order_pages_the_api_and_the_dashboard(client, world):
    _agency, orders = world
    order = orders[0]
    challenge_page = client.get(f"/challenges/{order.challenge_id}").get_data(as_text=True)
    assert "Một hồ sơ hợp lệ duy nhất" in challenge_page
    api = client.get(f"/api/v1/challenges/{order.challenge_id}").get_json()
    assert [f["kind"] for f in api["red_flags"]] == ["single_bid"]
    assert client.get(f"/api/v1/orders/{order.id}").get_json()["red_flags"] == []
    assert client.get(f"/orders/{order.id}").status_code == 200
    board = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/methodology#flag-single_bid"' in board
