"""HTTP of the public data (issue 16): CORS on the API, the bulk files and the OCDS feed;
ETag / Last-Modified from the public data version and 304 on If-None-Match; the
per-address rate limit's RateLimit-* headers; Allow on 405; JSON errors on the feeds;
numbers of the query string parsed one way (Unicode digits are 400 on the API, 404 for a
feed page)."""

from __future__ import annotations

import inspect
import re

import pytest
from flask import g

from marketplace.audit.services import record
from tests import factories
from tests import transparency_factories as tf

FILES = ["/api/v1/", "/api/v1/openapi.json", "/api/v1/challenges", "/api/v1/awards",
         "/api/v1/orders", "/opendata/ocds.json", "/opendata/challenges.csv",
         "/opendata/milestones.csv", "/opendata/payments.xlsx"]


def _changed(app, session, public: bool) -> None:
    record(session, None, "test.change", None, after={"x": 1}, public=public)
    session.flush()


@pytest.mark.parametrize("path", FILES)
def test_cors_validators_and_rate_limit_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"].startswith('W/"v')
    assert "Last-Modified" in response.headers or response.headers["ETag"] == 'W/"v0"'
    assert int(response.headers["RateLimit-Limit"]) == 300
    assert 0 <= int(response.headers["RateLimit-Remaining"]) < 300
    assert 0 <= int(response.headers["RateLimit-Reset"]) <= 60
    assert response.headers["RateLimit-Policy"] == "300;w=60"


def test_304_until_a_public_change_and_never_for_a_private_one(app, client, session):
    factories.make_challenge(session, title="Công khai")
    _changed(app, session, public=True)
    first = client.get("/api/v1/challenges")
    tag = first.headers["ETag"]
    again = client.get("/api/v1/challenges", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag and again.headers["Access-Control-Allow-Origin"] == "*"
    since = client.get("/opendata/ocds.json",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    _changed(app, session, public=False)  # e.g. a sealed submission saved
    g.pop("data_version", None)
    assert client.get("/api/v1/challenges", headers={"If-None-Match": tag}).status_code == 304
    _changed(app, session, public=True)
    fresh = client.get("/api/v1/challenges", headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag


def test_errors_carry_cors_but_no_validators(client):
    response = client.get("/api/v1/challenges/999999")
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" not in response.headers


def test_rate_limit_per_address_answers_429_json(app, client):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        answers = [client.get("/api/v1/challenges") for _ in range(3)]
        other = client.get("/api/v1/challenges", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1].headers["RateLimit-Remaining"] == "0"
    assert set(answers[2].get_json()) == {"error"}
    assert answers[2].headers["RateLimit-Limit"] == "2"
    assert "Retry-After" in answers[2].headers
    assert other.status_code == 200  # another address has its own count


@pytest.mark.parametrize("path", ["/api/v1/challenges", "/api/v1/orders/1",
                                  "/opendata/ocds.json", "/opendata/orders.csv"])
def test_405_says_what_is_allowed(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert "error" in response.get_json()


@pytest.mark.parametrize("path", ["/opendata/ocds.json?page=9", "/opendata/ocds.json?page=²",
                                  "/opendata/nothing.csv"])
def test_feed_errors_are_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json" and "error" in response.get_json()


@pytest.mark.parametrize("query", ["page=²", "per_page=①", "page=١", "per_page=１",
                                   "page=-1x", "page=99999999999999999999"])
@pytest.mark.parametrize("path", ["/api/v1/challenges", "/api/v1/awards", "/api/v1/orders"])
def test_unicode_digits_are_400_on_every_list(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize("query", ["challenge=①", "challenge=²", "agency=٣", "solver=１",
                                   "group=²"])
def test_unicode_digits_in_filters_are_400(client, query):
    path = "/api/v1/challenges" if query.startswith("group") else "/api/v1/orders"
    if query.startswith("challenge"):
        assert client.get(f"/api/v1/awards?{query}").status_code == 400
    assert client.get(f"{path}?{query}").status_code == 400


def test_a_page_past_the_end_is_empty_on_the_api_and_404_on_the_feed(client, session):
    tf.make_process(session)
    page = client.get("/api/v1/challenges?page=9").get_json()
    assert page["data"] == [] and page["links"]["next"] is None
    assert client.get("/opendata/ocds.json?page=9").status_code == 404
    assert client.get("/opendata/ocds.json?page=1").status_code == 200


def test_every_number_of_the_public_data_routes_goes_through_the_one_parser():
    """No view of the API or the open data reads a number by hand."""
    from marketplace.api import routes as api_routes
    from marketplace.opendata import routes as opendata_routes

    for module in (api_routes, opendata_routes):
        source = inspect.getsource(module)
        assert not re.search(r"(?<![\w.])int\(", source), module.__name__
        assert ".isdigit()" not in source and "type=int" not in source


def test_a_cross_origin_page_may_ask_conditionally(client):
    """`If-None-Match` is not a CORS-safelisted header: the browser asks first (OPTIONS)."""
    response = client.options("/api/v1/challenges", headers={
        "Origin": "https://bao.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
