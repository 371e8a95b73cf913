"""The API's OpenAPI 3.1 description, generated from its pydantic models, is a valid
OpenAPI document, and real answers of every endpoint (200s and errors) validate against
it; the index at /api/v1/ lists the same endpoints."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from marketplace.api import schema
from marketplace.challenges.models import ChallengeStatus
from tests import factories
from tests import transparency_factories as tf


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def check(spec: dict, path: str, url: str, response) -> None:
    """`response` (of `url`, described at `path`) against the description's schema for
    its status."""
    described = spec["paths"][path]["get"]["responses"][str(response.status_code)]
    ref = described["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({**spec, "$ref": ref})
    errors = sorted(validator.iter_errors(response.get_json()), key=str)
    assert not errors, f"{url}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_the_description_is_valid_openapi_3_1(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": "http://localhost/api/v1"}]
    assert {"/challenges", "/challenges/{id}", "/awards", "/orders/{id}"} <= set(spec["paths"])
    assert "ChallengeDetail" in spec["components"]["schemas"]


def test_real_answers_validate_against_the_description(client, session, spec):
    challenge, award, order = tf.make_process(session)
    closed = tf.make_closed_challenge(session)
    tf.make_bid(session, closed)
    factories.make_challenge(session, title="Đang mở")
    factories.make_challenge(session, status=ChallengeStatus.DRAFT)
    session.flush()
    urls = {
        "/challenges": ["/challenges", "/challenges?per_page=1&page=2", "/challenges?page=99",
                        "/challenges?page=²", "/challenges?status=draft"],
        "/challenges/{id}": [f"/challenges/{challenge.id}", f"/challenges/{closed.id}",
                             "/challenges/999999"],
        "/challenges/{id}/opening-record": [f"/challenges/{closed.id}/opening-record"],
        "/awards": ["/awards", f"/awards?challenge={challenge.id}", "/awards?challenge=①"],
        "/awards/{id}": [f"/awards/{award.id}"],
        "/orders": ["/orders", "/orders?per_page=①"],
        "/orders/{id}": [f"/orders/{order.id}"],
        "/": ["/"],
    }
    statuses = set()
    for path, addresses in urls.items():
        for url in addresses:
            response = client.get("/api/v1" + url)
            statuses.add(response.status_code)
            check(spec, path, url, response)
    assert statuses == {200, 400, 404}


def test_the_index_lists_every_endpoint(client):
    index = client.get("/api/v1/").get_json()
    assert [e["path"] for e in index["endpoints"]] == [e.path for e in schema.ENDPOINTS]
    assert index["openapi"] == "http://localhost/api/v1/openapi.json"
    assert client.get(index["endpoints"][0]["url"].replace("http://localhost", "")
                      ).status_code == 200
